#!/usr/bin/env bash
# One LoRA fine-tuning step (batch 16 x 128 tokens, LoRA r=8 on c_attn, mean-pooled linear head,
# AdamW), Cohort beside PyTorch, same machine, same thread count, in one run:
#   bench/model/step-throughput.sh [tiny|small ...]     (default: tiny small)
# Cohort prints plain and DP-SGD steps (same batch) and its peak RSS. PyTorch runs as its users run it
# (Debian's python3-torch on the system BLAS, OPENBLAS_CORETYPE unset so OpenBLAS picks its own
# kernels), once in FP32 and once under torch.autocast(bfloat16) (oneDNN's BF16 products); on the tiny
# shape both sides also run the causal-LM step.
# Cohort runs each precision in PRECISIONS one after the other in one process (fp32, then bf16: the
# frozen weights' products in BF16 on oneDNN), each with its GEMM peak probed first at the step's own
# largest product shapes, and prints the step's GFLOP/s as a fraction of that peak.
# Env: THREADS (2), REPS (5), WARMUP (2), PYTHON (/usr/bin/python3), XMX (2g), PRECISIONS (fp32,bf16).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
THREADS="${THREADS:-2}"; REPS="${REPS:-5}"; WARMUP="${WARMUP:-2}"; PYTHON="${PYTHON:-/usr/bin/python3}"
XMX="${XMX:-2g}"; PRECISIONS="${PRECISIONS:-fp32,bf16}"
CP="$(model_bench_classpath)"
SHAPES=("$@"); [ ${#SHAPES[@]} -eq 0 ] && SHAPES=(tiny small)
for shape in "${SHAPES[@]}"; do
  # The tiny model also runs the causal-LM step (next-token loss over the 50,257-way tied output layer).
  modes=plain,dp; [ "$shape" = tiny ] && modes=plain,dp,causal
  env "$COHORT_OMP" java -Xmx"$XMX" -cp "$CP" io.cohort.lm.train.ModelStepBenchmark "$shape" 16 128 "$THREADS" "$WARMUP" \
    "$REPS" "$modes" "$PRECISIONS" 2>/dev/null
  "${PYTORCH_ENV[@]}" "$PYTHON" bench/model/torch_step.py --shape "$shape" --threads "$THREADS" --warmup "$WARMUP" --reps "$REPS"
  "${PYTORCH_ENV[@]}" "$PYTHON" bench/model/torch_step.py --shape "$shape" --threads "$THREADS" --warmup "$WARMUP" --reps "$REPS" --bf16
  if [ "$shape" = tiny ]; then
    "${PYTORCH_ENV[@]}" "$PYTHON" bench/model/torch_step.py --shape tiny --threads "$THREADS" --warmup "$WARMUP" --reps "$REPS" --causal
  fi
done
