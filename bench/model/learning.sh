#!/usr/bin/env bash
# Learning acceptance (issue 5): fine-tune examples/text/tiny-gpt2-reuters on the Reuters grain
# training stories with the recipe (LoRA r=8, alpha=16 on c_attn, mean-pooled linear head, AdamW
# lr 2e-3, batch 16, 128 tokens, 4 epochs) for each seed, and once with DP-SGD at epsilon 8,
# delta 1e-5 (sigma from the RDP accountant), then evaluate each adapter on the test stories.
# The DP run's default is the DP recipe of docs/benchmarks.md ("DP-SGD at epsilon 8 that learns"):
# expected batch 311 (q = 0.2), 10 epochs (50 steps), C = 5, AdamW lr 0.05, FFA-LoRA r = 2,
# alpha 0.5 on the last block's c_attn only, plus the head.
#   bench/model/learning.sh [SEED ...]     (default seeds: 42 7 1)
# Env: THREADS (2); TRAIN_ARGS (extra flags for the non-private runs); DP_ARGS (the DP run's flags,
# default: the DP recipe above; DP_ARGS=none skips it); DP_SEEDS (default: the first seed);
# DP_ONLY=1 skips the non-private runs.
# Runs `cohort-node train/eval` (io.cohort.client.cli.NodeMain) from a snapshot of this checkout's
# compiled classes, so editing or rebuilding the checkout meanwhile does not change a running job.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SEEDS=("$@"); [ ${#SEEDS[@]} -eq 0 ] && SEEDS=(42 7 1)
THREADS="${THREADS:-2}"
DP_RECIPE="--dp --epsilon 8 --delta 1e-5 --batch-size 311 --epochs 10 --lr 5e-2 --clip 5 --target-modules h.3.attn.c_attn --lora-r 2 --lora-alpha 0.5"
DP_ARGS="${DP_ARGS:-$DP_RECIPE}"
read -r -a DP_SEEDS <<< "${DP_SEEDS:-${SEEDS[0]}}"
read -r -a TRAIN_EXTRA <<< "${TRAIN_ARGS:-}"
OUT="$(mktemp -d)"
CP="$(model_bench_classpath)"
SNAP=()
IFS=: read -r -a ENTRIES <<< "$CP"
for e in "${ENTRIES[@]}"; do
  if [ -d "$e" ]; then
    d="$OUT/classes/$(echo "$e" | tr '/' '_')"; mkdir -p "$d"; cp -r "$e/." "$d/"; SNAP+=("$d")
  else SNAP+=("$e"); fi
done
CP="$(IFS=:; echo "${SNAP[*]}")"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
node() { java -Xmx2g -cp "$CP" io.cohort.client.cli.NodeMain "$@"; }
M=examples/text/tiny-gpt2-reuters
TRAIN=examples/text/reuters-grain-train.jsonl
TEST=examples/text/reuters-grain-test.jsonl
run() {
  local name="$1"; shift
  node train --model "$M" --data "$TRAIN" --out "$OUT/$name" --threads "$THREADS" "$@" 2>"$OUT/$name.log" >/dev/null
  echo "$name ($*): $(node eval --model "$M" --adapter "$OUT/$name" --data "$TEST" --threads "$THREADS") " \
    "train: $(grep -o '"final_epoch_loss" : [^,]*\|"noise_multiplier" : [^,]*\|"epsilon" : [^,}]*\|"q" : [^,]*\|"seconds" : [^,]*' "$OUT/$name/cohort_training.json" | tr '\n' ' ')"
}
if [ -z "${DP_ONLY:-}" ]; then
  for s in "${SEEDS[@]}"; do
    run "seed-$s" --seed "$s" "${TRAIN_EXTRA[@]}"
  done
fi
if [ "$DP_ARGS" != none ]; then
  read -r -a DP <<< "$DP_ARGS"
  for s in "${DP_SEEDS[@]}"; do
    run "dp-seed-$s" "${DP[@]}" --seed "$s"
  done
fi
echo "adapters and logs in $OUT"
