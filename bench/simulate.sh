#!/usr/bin/env bash
# Federated vs central, side by side in one run: runs `cohort simulate` on the shipped credit data
# with IID and with non-IID (Dirichlet alpha 0.5) shards, and prints for each the job's wall time
# and the held-out ROC AUC of the federated model next to a centrally trained one on the same
# records. Results go to docs/benchmarks.md by hand, with the machine they came from.
#   bench/simulate.sh [extra cohort simulate flags]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
printf '%-12s %10s %10s %12s %12s %10s\n' partition wall_s job_s fed_roc_auc central_auc gap
for part in iid dirichlet; do
  log="$OUT/simulate-$part.log"
  start=$(date +%s.%N)
  "$ROOT/bin/cohort" simulate --partition "$part" --alpha 0.5 --work-dir "$OUT/$part" "$@" > "$log" 2>&1
  end=$(date +%s.%N)
  job_s=$(sed -n 's/.*COMPLETED in \([0-9.]*\) s.*/\1/p' "$log")
  fed=$(awk '/^federated/ {print $NF}' "$log")
  cen=$(awk '/^central/ {print $NF}' "$log")
  awk -v p="$part" -v s="$start" -v e="$end" -v j="$job_s" -v f="$fed" -v c="$cen" \
    'BEGIN { printf "%-12s %10.1f %10s %12s %12s %+10.4f\n", p, e - s, j, f, c, f - c }'
done
