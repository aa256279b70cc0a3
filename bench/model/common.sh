# Shared by the model benchmarks: build lm-engine's test classes, its class path, BLAS kernels.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
model_bench_classpath() {
  ./mvnw -o -q -B -pl lm-engine -am test-compile >&2
  ./mvnw -o -q -B -pl lm-engine dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$ROOT/lm-engine/target/model-bench.cp" >/dev/null
  # The sibling modules come from this checkout's own build, not from ~/.m2, which other
  # branches share and may have installed different snapshots into.
  local deps
  deps="$(tr ':' '\n' < lm-engine/target/model-bench.cp | grep -v '/io/cohort/cohort-' | paste -sd: -)"
  echo "lm-engine/target/classes:lm-engine/target/test-classes:proto/target/classes:crypto/target/classes:model-format/target/classes:$deps"
}
# OpenBLAS kernels as bin/cohort-node picks them (from the CPU flags, even over an inherited
# OPENBLAS_CORETYPE). PyTorch runs with OPENBLAS_CORETYPE unset (see PYTORCH_ENV): as its users run it.
# shellcheck source=bin/common.sh
. "$ROOT/bin/common.sh"
cohort_openblas_kernels
PYTORCH_ENV=(env -u OPENBLAS_CORETYPE)
# Debian's python3-torch calls the libblas.so.3 alternative: the reference BLAS (~5 GFLOP/s here) unless
# an OpenBLAS package provides it. PyTorch users install one; say so rather than compare with a
# handicapped PyTorch (the torch scripts print the library they loaded as "blas").
if ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null | grep -q openblas; then
  echo "warning: the system BLAS (libblas.so.3) is not OpenBLAS: PyTorch will run on the reference BLAS;" \
    "install libopenblas0-pthread (apt-get install libopenblas0-pthread)" >&2
fi
# oneDNN (Cohort's BF16 products) runs each row block on the engine's own threads; its OpenMP team must
# be one thread, or OpenMP workers spinning beside OpenBLAS's and Java's make products wait (as
# bin/cohort-node sets it). Only for the Java processes: PyTorch sizes its own OpenMP team.
COHORT_OMP="OMP_NUM_THREADS=1"
# One step-benchmark process for SHAPE (plain step, fp32 then bf16) with the JVM options after it, on
# $CP from the current directory; prints its "plain" lines. GPT-2 shapes: ModelStepBenchmark 16 x 128
# (tiny 3 warm-up + 10 steps, small 2 + 3); Llama-family shapes: LlamaStepBenchmark 4 x 256, 1 + 2.
# Used by the A/B scripts (checkout-ab.sh, property-ab.sh). Env: THREADS (2).
model_step_pair() {
  local shape="$1"; shift
  local main=io.cohort.lm.train.ModelStepBenchmark batch=16 seq=128 warm=3 reps=10 xmx=2g
  [ "$shape" = small ] && warm=2 reps=3 xmx=3g
  case "$shape" in qwen*|llama*) main=io.cohort.lm.train.LlamaStepBenchmark batch=4 seq=256 warm=1 reps=2 xmx=12g ;; esac
  env "$COHORT_OMP" java "$@" -Xmx$xmx -cp "$CP" $main "$shape" $batch $seq "${THREADS:-2}" $warm $reps plain fp32,bf16 \
    2>/dev/null | grep '"mode": "plain"'
}
# The load average, as a comment line before each run of the A/B scripts.
load() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"; }
# For each shape after A and B: PAIRS times `step A shape` and `step B shape` (the calling script's
# step function), the order alternating (A-B, B-A, ...) so that other load hits both alike.
interleave_pairs() {
  local a="$1" b="$2" shape i; shift 2
  for shape in "$@"; do
    for ((i = 0; i < PAIRS; i++)); do
      if ((i % 2 == 0)); then step "$a" "$shape"; step "$b" "$shape"; else step "$b" "$shape"; step "$a" "$shape"; fi
    done
  done
  load
}
