#!/usr/bin/env bash
# One engine switch (a -Dcohort.NAME system property) at two values, side by side in one sitting, so
# that other load hits both alike:
#   bench/model/property-ab.sh NAME A B [tiny|small|qwen2.5-0.5b ...]     (default shapes: small qwen2.5-0.5b)
# e.g. `property-ab.sh attention blas batched tiny small qwen2.5-0.5b` (per-head OpenBLAS attention
# beside batched oneDNN attention, session 12) or `property-ab.sh operands copy pinned` (operands-ab.sh).
# Per shape: PAIRS pairs of step-benchmark runs (plain step, fp32 then bf16, one process each; warm-up
# and steps as model_step_pair in common.sh), the order within a pair alternating (A-B, B-A, ...).
# Every run is preceded by the load average. Env: PAIRS (3), THREADS (2).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
NAME="${1:?usage: property-ab.sh NAME A B [shape ...]}"; A="${2:?value A}"; B="${3:?value B}"; shift 3
PAIRS="${PAIRS:-3}"; THREADS="${THREADS:-2}"
CP="${CP:-$(model_bench_classpath)}"
SHAPES=("$@"); [ ${#SHAPES[@]} -eq 0 ] && SHAPES=(small qwen2.5-0.5b)
step() { # value shape
  load; echo "# $NAME=$1"
  model_step_pair "$2" -Dcohort."$NAME"="$1"
}
interleave_pairs "$A" "$B" "${SHAPES[@]}"
