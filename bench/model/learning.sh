#!/usr/bin/env bash
# Learning acceptance (issue 5): fine-tune examples/text/tiny-gpt2-reuters on the Reuters grain
# training stories with the recipe (LoRA r=8, alpha=16 on c_attn, mean-pooled linear head, AdamW
# lr 2e-3, batch 16, 128 tokens, 4 epochs) for each seed, and once with DP-SGD at epsilon 8,
# delta 1e-5 (sigma from the RDP accountant), then evaluate each adapter on the test stories.
#   bench/model/learning.sh [SEED ...]     (default seeds: 42 7 1)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SEEDS=("$@"); [ ${#SEEDS[@]} -eq 0 ] && SEEDS=(42 7 1)
OUT="$(mktemp -d)"
M=examples/text/tiny-gpt2-reuters
TRAIN=examples/text/reuters-grain-train.jsonl
TEST=examples/text/reuters-grain-test.jsonl
run() {
  local name="$1"; shift
  bin/cohort-node train --model "$M" --data "$TRAIN" --out "$OUT/$name" --threads "${THREADS:-2}" "$@" 2>/dev/null
  echo "$name: $(bin/cohort-node eval --model "$M" --adapter "$OUT/$name" --data "$TEST" --threads "${THREADS:-2}")"
}
for s in "${SEEDS[@]}"; do
  run "seed-$s" --seed "$s"
done
run dp-eps8 --dp --epsilon 8 --delta 1e-5 --seed "${SEEDS[0]}"
