#!/usr/bin/env bash
# Issue 19 #4 through the platform itself: Reuters grain text over 3 nodes with real processes
# (`cohort simulate`: coordinator, 3 nodes, mutual TLS, secure aggregation), local-DP federated
# (examples/text/job-dp.yaml) beside distributed DP (examples/text/job-ddp.yaml), at epsilon 8 and 3,
# RUNS runs each on the same IID split (seed 42): the spread is the DP noise's (SecureRandom).
# Prints one line per run with the held-out test file's ROC AUC, PR AUC, F1 at 0.5 and accuracy.
#   RUNS=3 bench/ddp-text-simulate.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/bench/ddp-text-simulate"
RUNS="${RUNS:-3}"
mkdir -p "$OUT"
job_for() { # mode eps -> job file
  local mode=$1 eps=$2 src
  src="$ROOT/examples/text/job-dp.yaml"
  [ "$mode" = distributed ] && src="$ROOT/examples/text/job-ddp.yaml"
  sed -e "s/^  epsilon: .*/  epsilon: $eps/" -e "s/^name: \(.*\)/name: \1-eps$eps/" "$src" > "$OUT/$mode-eps$eps.yaml"
  echo "$OUT/$mode-eps$eps.yaml"
}
printf '%-12s %4s %4s %8s %8s %8s %8s %8s\n' mode eps run wall_s roc_auc pr_auc f1 accuracy
for eps in 8 3; do
  for run in $(seq 1 "$RUNS"); do
    for mode in local distributed; do
      job=$(job_for "$mode" "$eps")
      log="$OUT/$mode-eps$eps-run$run.log"
      start=$(date +%s)
      "$ROOT/bin/cohort" simulate --job "$job" --no-baseline --seed 42 --work-dir "$OUT/$mode-eps$eps-run$run" \
        > "$log" 2>&1 || { echo "$mode eps $eps run $run FAILED: see $log"; continue; }
      end=$(date +%s)
      # the "federated (3 nodes), DP" row of the test-file table: examples accuracy roc_auc pr_auc f1@0.5 f1@tuned
      awk -v m="$mode" -v e="$eps" -v r="$run" -v w=$((end - start)) '/^federated \(3 nodes\), DP/ {
        printf "%-12s %4s %4s %8d %8s %8s %8s %8s\n", m, e, r, w, $7, $8, $9, $6 }' "$log"
    done
  done
done
