#!/usr/bin/env bash
# One LoRA causal-LM step (LoRA r=16 on all linear layers, batch 4 x 256 tokens, next-token loss over
# the whole vocabulary, AdamW) on random-weight models of real checkpoints' shapes, Cohort beside
# PyTorch, same machine, same thread count, in one run:
#   bench/model/llama-step.sh [qwen2.5-0.5b llama3.2-1b tiny ...]   (default: qwen2.5-0.5b llama3.2-1b)
# Cohort prints plain and DP-SGD steps (same batch) and its peak RSS, then the plain step with activation
# recomputation in a process of its own; PyTorch (Debian's python3-torch,
# float32, the BLAS it finds, no kernel-forcing variables) prints its plain step and peak RSS, then (when
# PRECISIONS has bf16) the same step under torch.autocast(bfloat16).
# Each process runs one shape, so peak RSS is that shape's.
# Cohort's plain and DP steps run each precision in PRECISIONS (fp32,bf16) in one process, side by side.
# Env: THREADS (2), REPS (5), WARMUP (2), BATCH (4), SEQ (256), PYTHON (/usr/bin/python3), XMX (12g),
# PRECISIONS (fp32,bf16).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
THREADS="${THREADS:-2}"; REPS="${REPS:-5}"; WARMUP="${WARMUP:-2}"; PYTHON="${PYTHON:-/usr/bin/python3}"
BATCH="${BATCH:-4}"; SEQ="${SEQ:-256}"; XMX="${XMX:-12g}"; PRECISIONS="${PRECISIONS:-fp32,bf16}"
CP="$(model_bench_classpath)"
SHAPES=("$@"); [ ${#SHAPES[@]} -eq 0 ] && SHAPES=(qwen2.5-0.5b llama3.2-1b)
for shape in "${SHAPES[@]}"; do
  env "$COHORT_OMP" java -Xmx"$XMX" -cp "$CP" io.cohort.lm.train.LlamaStepBenchmark "$shape" "$BATCH" "$SEQ" "$THREADS" "$WARMUP" \
    "$REPS" plain,dp "$PRECISIONS" 2>/dev/null
  # Recomputation in its own process, so that its peak RSS is its own.
  env "$COHORT_OMP" java -Xmx"$XMX" -cp "$CP" io.cohort.lm.train.LlamaStepBenchmark "$shape" "$BATCH" "$SEQ" "$THREADS" "$WARMUP" \
    "$REPS" plain-recompute 2>/dev/null
  "${PYTORCH_ENV[@]}" "$PYTHON" bench/model/torch_llama_step.py --shape "$shape" --batch "$BATCH" --seq "$SEQ" \
    --threads "$THREADS" --warmup "$WARMUP" --reps "$REPS"
  if [[ ",$PRECISIONS," == *,bf16,* ]]; then
    "${PYTORCH_ENV[@]}" "$PYTHON" bench/model/torch_llama_step.py --shape "$shape" --batch "$BATCH" --seq "$SEQ" \
      --threads "$THREADS" --warmup "$WARMUP" --reps "$REPS" --bf16
  fi
done
