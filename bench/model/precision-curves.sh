#!/usr/bin/env bash
# FP32 beside BF16 on the Reuters recipe (issue 18: "loss curves matching fp32 within BF16 tolerance over
# 200 steps ... same ROC AUC +- 0.01"): `cohort-node train` as a user runs it (defaults: LoRA r 8 on c_attn,
# 4 epochs of batch 16 = 392 steps, seed 42), once per precision, each with --loss-log; then each adapter
# scored on the 604 test records in FP32, and the two per-step loss curves compared step by step.
#   bench/model/precision-curves.sh            Env: THREADS (2), OUT (a new folder under /tmp)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
THREADS="${THREADS:-2}"
OUT="${OUT:-$(mktemp -d /tmp/precision-curves.XXXXXX)}"
MODEL=examples/text/tiny-gpt2-reuters
for p in fp32 bf16; do
  bin/cohort-node train --model "$MODEL" --data examples/text/reuters-grain-train.jsonl --out "$OUT/adapter-$p" \
    --threads "$THREADS" --seed 42 --precision "$p" --loss-log "$OUT/loss-$p.csv" --output json > "$OUT/train-$p.json"
  bin/cohort-node eval --model "$MODEL" --adapter "$OUT/adapter-$p" --data examples/text/reuters-grain-test.jsonl \
    --threads "$THREADS" --output json > "$OUT/eval-$p.json"
done
python3 - "$OUT" <<'PY'
import csv, json, sys
out = sys.argv[1]
curve = {p: [float(r["loss"]) for r in csv.DictReader(open(f"{out}/loss-{p}.csv"))] for p in ("fp32", "bf16")}
a, b = curve["fp32"], curve["bf16"]
assert len(a) == len(b), (len(a), len(b))
diff = [abs(x - y) for x, y in zip(a, b)]
rel = [d / max(abs(x), 1e-12) for d, x in zip(diff, a)]
def window(v, lo, hi):
    return sum(v[lo:hi]) / max(1, len(v[lo:hi]))
train = {p: json.load(open(f"{out}/train-{p}.json")) for p in ("fp32", "bf16")}
ev = {p: json.load(open(f"{out}/eval-{p}.json")) for p in ("fp32", "bf16")}
print(json.dumps({
    "steps": len(a),
    "max_abs_loss_diff": max(diff), "mean_abs_loss_diff": sum(diff) / len(diff),
    "max_rel_loss_diff": max(rel), "mean_rel_loss_diff": sum(rel) / len(rel),
    "mean_loss_fp32_by_50_steps": [round(window(a, i, i + 50), 5) for i in range(0, len(a), 50)],
    "mean_loss_bf16_by_50_steps": [round(window(b, i, i + 50), 5) for i in range(0, len(b), 50)],
    "final_epoch_loss": {p: train[p]["final_epoch_loss"] for p in train},
    "tokens_per_s": {p: train[p].get("tokens_per_second") for p in train},
    "roc_auc": {p: ev[p]["roc_auc"] for p in ev},
    "roc_auc_diff": abs(ev["fp32"]["roc_auc"] - ev["bf16"]["roc_auc"]),
    "accuracy": {p: ev[p]["accuracy"] for p in ev},
    "out": out,
}, indent=1))
PY
