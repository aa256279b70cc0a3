#!/usr/bin/env bash
# Issue 23 #3: a class-weighted loss against none on Reuters grain (6.6 % positives), DP-SGD at
# epsilon 8 (the DP recipe of docs/model-engine.md at 64 tokens and 5 epochs), per seed S:
#   1. cohort-node partition: 20 % of each label held out as validation (seed S), the rest trains;
#   2. cohort-node train --dp with and without --class-weight 1:7 (same seed S: same order and head);
#   3. cohort-node eval on the validation records: the F1-maximising threshold (best_threshold);
#   4. cohort-node eval on examples/text/reuters-grain-test.jsonl with --threshold at it.
# Prints one TSV line per run. Usage: bench/class-weights-text.sh OUT_DIR "42 7 1"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$1"; SEEDS="${2:-42 7 1}"
NODE=(java -jar "$ROOT/client-node/target/cohort-node.jar")
export OMP_NUM_THREADS=1
MODEL="$ROOT/examples/text/tiny-gpt2-reuters"
RECIPE=(--dp --epsilon 8 --delta 1e-5 --batch-size 249 --epochs 5 --lr 5e-2 --clip 5
  --target-modules h.3.attn.c_attn --lora-r 2 --lora-alpha 0.5 --max-length 64 --threads 2)
mkdir -p "$OUT"
printf 'seed\tclass_weight\tepsilon\ttrain_s\ttest_roc_auc\ttest_pr_auc\ttest_f1@0.5\tthreshold(val)\ttest_f1@threshold\ttest_precision@t\ttest_recall@t\n'
for S in $SEEDS; do
  D="$OUT/split-$S"
  [ -f "$D/data-node1.jsonl" ] || "${NODE[@]}" partition --data "$ROOT/examples/text/reuters-grain-train.jsonl" \
    --nodes 1 --test-fraction 0.2 --seed "$S" --out "$D" >/dev/null
  for CW in none 1:7; do
    A="$OUT/adapter-$S-${CW/:/_}"
    rm -rf "$A"
    EXTRA=(); [ "$CW" = none ] || EXTRA=(--class-weight "$CW")
    "${NODE[@]}" train --model "$MODEL" --data "$D/data-node1.jsonl" --out "$A" --seed "$S" "${RECIPE[@]}" \
      "${EXTRA[@]}" --output json > "$A.train.json" 2>"$A.train.log"
    "${NODE[@]}" eval --model "$MODEL" --adapter "$A" --data "$D/data-validation.jsonl" --max-length 64 --threads 2 \
      --output json > "$A.val.json" 2>/dev/null
    T=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["best_threshold"])' "$A.val.json")
    "${NODE[@]}" eval --model "$MODEL" --adapter "$A" --data "$ROOT/examples/text/reuters-grain-test.jsonl" \
      --max-length 64 --threads 2 --threshold "$T" --output json > "$A.test.json" 2>/dev/null
    python3 - "$S" "$CW" "$A.train.json" "$A.test.json" <<'PY'
import json, sys
s, cw, tr, te = sys.argv[1:5]
t = json.load(open(tr)); e = json.load(open(te))
print("\t".join(str(x) for x in [s, cw, round(t["dp"]["epsilon"], 4), round(t["seconds"]),
  round(e["roc_auc"], 4), round(e["pr_auc"], 4), round(e["f1"], 4), round(e["threshold"], 3),
  round(e["f1_at_threshold"], 4), round(e["precision_at_threshold"], 4), round(e["recall_at_threshold"], 4)]))
PY
  done
done
