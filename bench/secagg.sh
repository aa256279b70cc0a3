#!/usr/bin/env bash
# Secure-aggregation benchmarks (issue #3): the JMH suite in bench/jmh plus two measurement
# programs, each in its own forked JVM. Results go to docs/benchmarks.md by hand, with the load
# average this script prints (the machine is shared).
#   bench/secagg.sh            everything (about 25 minutes on 2 cores)
#   bench/secagg.sh quick      d = 4.19M only, shorter runs (a smoke test of the harness)
#   bench/secagg.sh jmh ARGS   JMH with your own arguments, e.g. bench/secagg.sh jmh KeystreamBench -f 1
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/bench/secagg"
mkdir -p "$OUT"
cd "$ROOT"
./mvnw -o -q -B -pl bench/jmh -am package -DskipTests
CP="bench/jmh/target/classes:bench/jmh/target/lib/*"
jmh() { java -cp "$CP" org.openjdk.jmh.Main "$@"; }
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  ($(date -u +%H:%M:%SZ))"; }

if [[ "${1:-}" == jmh ]]; then
  shift
  jmh "$@"
  exit
fi
QUICK=false
[[ "${1:-}" == quick ]] && QUICK=true
D="4190000,40000000"
EXTRA=()
if $QUICK; then
  D="4190000"
  EXTRA=(-wi 1 -i 2)
fi

java -version 2>&1 | head -1
nproc
load
echo "== upload size"
java -cp "$CP" io.cohort.bench.secagg.UploadSizeReport | tee "$OUT/upload-size.txt"
load
echo "== mask keystream: JDK AES-CTR vs BouncyCastle AESEngine (64 MiB per op)"
jmh KeystreamBench "${EXTRA[@]}" -rff "$OUT/keystream.csv" -rf csv
load
echo "== Ed25519: JDK vs BouncyCastle vs io.cohort.crypto.keys"
jmh SignatureBench "${EXTRA[@]}" -rff "$OUT/signature.csv" -rf csv
load
echo "== per-node setup (everything but masking)"
jmh NodeSetupBench "${EXTRA[@]}" -rff "$OUT/setup.csv" -rf csv
load
echo "== node masking per round"
jmh NodeMaskingBench -p d="$D" "${EXTRA[@]}" -rff "$OUT/masking.csv" -rf csv
load
echo "== coordinator: plain quantised sum vs sum + unmask, no dropouts"
jmh CoordinatorAggregationBench -p d="$D" "${EXTRA[@]}" -rff "$OUT/coordinator.csv" -rf csv
load
echo "== coordinator: 10% dropouts (after sharing keys, before the masked input) at n = 20"
jmh CoordinatorAggregationBench -p d="$D" -p n=20 -p dropoutPercent=10 "${EXTRA[@]}" \
  -rff "$OUT/coordinator-dropouts.csv" -rf csv
load
echo "== coordinator peak heap (real CoordinatorSession, replayed in its own JVM)"
for nd in "20 4190000" "5 40000000"; do
  set -- $nd
  if $QUICK && [[ $2 -gt 4190000 ]]; then continue; fi
  dir="$OUT/heap-$1-$2"
  rm -rf "$dir"
  # Recording holds every node's masked input (n model-sized arrays) in one JVM.
  java -Xmx$(( ($1 + 4) * $2 * 8 / 1048576 + 512 ))m -cp "$CP" io.cohort.bench.secagg.CoordinatorHeapReport record "$dir" "$1" "$2"
  acc=$(( ($2 + 1) * 4 / 1048576 ))
  # Two accumulators plus 64 MiB: the bound the issue sets (2 accumulators + O(n^2)).
  # G1: a model-sized array is a humongous object that may use any free region; a generational
  # collector would need it to fit one generation, which says more about the collector than the code.
  java -Xmx$(( 2 * acc + 64 ))m -XX:+UseG1GC -cp "$CP" io.cohort.bench.secagg.CoordinatorHeapReport replay "$dir" \
    | tee -a "$OUT/heap.txt"
  rm -rf "$dir"
done
load
echo "results in $OUT"
