#!/usr/bin/env bash
# Issue 18, session 11: products through off-heap copies (-Dcohort.operands=copy, the engine before
# the JNI shim) beside products on pinned Java arrays (the default where the shim is built),
# interleaved in one sitting so that other load hits both alike:
#   bench/model/operands-ab.sh [small|tiny|qwen2.5-0.5b ...]     (default: small qwen2.5-0.5b)
# Per shape: PAIRS pairs of step-benchmark runs (plain step, fp32 then bf16, one process each; warm-up
# and steps as model_step_pair in common.sh), the order within a pair alternating (copy-pinned, ...). Every run is preceded by the load
# average. Env: PAIRS (3), THREADS (2).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PAIRS="${PAIRS:-3}"; THREADS="${THREADS:-2}"
CP="${CP:-$(model_bench_classpath)}"
SHAPES=("$@"); [ ${#SHAPES[@]} -eq 0 ] && SHAPES=(small qwen2.5-0.5b)
step() { # operands shape
  load; echo "# operands=$1"
  model_step_pair "$2" -Dcohort.operands="$1"
}
interleave_pairs copy pinned "${SHAPES[@]}"
