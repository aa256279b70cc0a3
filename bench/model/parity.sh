#!/usr/bin/env bash
# Learning parity with PyTorch (issue 5): runs the learning recipe in Cohort for each SEED
# (TrajectoryExport: LoRA r=8, alpha=16 on c_attn, mean-pooled head, AdamW lr 2e-3, batch 16,
# 128 tokens, 4 epochs), then replays the very same run in PyTorch from Cohort's starting point and
# batch order (bench/model/torch_learning.py --init), and compares every step's loss and the test
# metrics. Also runs PyTorch's own seeded run (its own init and order) for the same seed.
#   bench/model/parity.sh [SEED ...]     (default 42)
# Env: THREADS (1), EPOCHS (4), OWN=0 skips PyTorch's own-seed run. Needs Debian's python3-torch.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SEEDS=("$@"); [ ${#SEEDS[@]} -eq 0 ] && SEEDS=(42)
THREADS="${THREADS:-1}"
EPOCHS="${EPOCHS:-4}"
export OMP_NUM_THREADS="$THREADS"
CP="$(model_bench_classpath)"
M=examples/text/tiny-gpt2-reuters
TRAIN=examples/text/reuters-grain-train.jsonl
TEST=examples/text/reuters-grain-test.jsonl
OUT="$(mktemp -d)"
for f in train test; do
  java -cp "$CP" io.cohort.lm.train.TokenIdsExport "$M" "examples/text/reuters-grain-$f.jsonl" 128 "$OUT/$f-ids.jsonl"
done
for s in "${SEEDS[@]}"; do
  echo "== seed $s"
  java -Xmx2g -cp "$CP" io.cohort.lm.train.TrajectoryExport "$M" "$TRAIN" "$s" "$EPOCHS" "$THREADS" "$OUT/seed-$s" "$TEST"
  echo "pytorch replay: $(/usr/bin/python3 bench/model/torch_learning.py "$M" "$OUT/train-ids.jsonl" "$OUT/test-ids.jsonl" \
    --seed "$s" --threads "$THREADS" --epochs "$EPOCHS" --init "$OUT/seed-$s")"
  paste "$OUT/seed-$s/cohort-losses.txt" "$OUT/seed-$s/torch-losses.txt" | /usr/bin/python3 -c '
import sys
d = [tuple(map(float, l.split())) for l in sys.stdin]
rel = [abs(a - b) / max(abs(b), 1e-12) for a, b in d]
k = max(range(len(d)), key=rel.__getitem__)
print(f"step losses: {len(d)} steps, max relative difference {rel[k]:.2e} (step {k + 1}), first {d[0][0]:.6f} vs {d[0][1]:.6f}, last {d[-1][0]:.6f} vs {d[-1][1]:.6f}")'
  if [ "${OWN:-1}" != 0 ]; then
    echo "pytorch own init and order: $(/usr/bin/python3 bench/model/torch_learning.py "$M" "$OUT/train-ids.jsonl" \
      "$OUT/test-ids.jsonl" --seed "$s" --threads "$THREADS" --epochs "$EPOCHS")"
  fi
done
echo "runs in $OUT"
