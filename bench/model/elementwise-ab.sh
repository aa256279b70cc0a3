#!/usr/bin/env bash
# Issue 18, element-wise kernels: the previous scalar loops (-Dcohort.kernels=scalar) beside the
# vectorisable ones (default), interleaved in one sitting so that other load hits both alike, with
# PyTorch (FP32 and BF16 autocast) in the same sitting:
#   bench/model/elementwise-ab.sh [tiny|small ...]     (default: tiny small)
# Per shape: PAIRS pairs of ModelStepBenchmark runs (plain step, fp32 then bf16, one process each),
# the order within a pair alternating (old-new, new-old, ...), then PyTorch fp32 and bf16 once.
# Also the per-kernel timings (ElementwiseBenchmark, one thread, GPT-2-small row shape) both ways.
# Every run is preceded by the load average. Env: PAIRS (3), THREADS (2), PYTHON (/usr/bin/python3).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PAIRS="${PAIRS:-3}"; THREADS="${THREADS:-2}"; PYTHON="${PYTHON:-/usr/bin/python3}"
CP="${CP:-$(model_bench_classpath)}"
SHAPES=("$@"); [ ${#SHAPES[@]} -eq 0 ] && SHAPES=(tiny small)
step() { # kernels shape
  local warm=3 reps=10 xmx=2g
  [ "$2" = small ] && warm=1 reps=3 xmx=3g
  load; echo "# kernels=$1"
  env "$COHORT_OMP" java -Dcohort.kernels="$1" -Xmx$xmx -cp "$CP" io.cohort.lm.train.ModelStepBenchmark "$2" 16 128 \
    "$THREADS" $warm $reps plain fp32,bf16 2>/dev/null | grep '"mode": "plain"'
}
for k in scalar vectorized; do
  load; env "$COHORT_OMP" java -Dcohort.kernels=$k -cp "$CP" io.cohort.lm.model.ElementwiseBenchmark 2048 768 128 30
done
for shape in "${SHAPES[@]}"; do
  for ((i = 0; i < PAIRS; i++)); do
    if ((i % 2 == 0)); then step scalar "$shape"; step vectorized "$shape"; else step vectorized "$shape"; step scalar "$shape"; fi
  done
  warm=3; reps=10; [ "$shape" = small ] && warm=2 reps=3
  load; "${PYTORCH_ENV[@]}" "$PYTHON" bench/model/torch_step.py --shape "$shape" --threads "$THREADS" --warmup $warm --reps $reps
  load; "${PYTORCH_ENV[@]}" "$PYTHON" bench/model/torch_step.py --shape "$shape" --threads "$THREADS" --warmup $warm --reps $reps --bf16
done
load
