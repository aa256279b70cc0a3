#!/usr/bin/env bash
# Issue 18: the engine of another checkout (OLD, e.g. a worktree of main) beside this checkout's,
# interleaved in one sitting so that whatever else loads the machine hits both alike:
#   bench/model/checkout-ab.sh OLD_CHECKOUT [tiny|small|qwen2.5-0.5b|llama3.2-1b ...]   (default: small)
# Per shape: PAIRS pairs of one-process step benchmark runs (plain step, fp32 then bf16; warm-up and
# steps as model_step_pair in common.sh: GPT-2 shapes 16 x 128, Llama-family shapes 4 x 256), the
# order within a pair alternating (old-new, new-old, ...). Each line is tagged old/new and preceded
# by the load average. Env: PAIRS (3), THREADS (2), KERNELS (-Dcohort.kernels value, default: none),
# JAVA_PROPS (more -D options for both sides, e.g. "-Dcohort.lowrank=blas").
set -euo pipefail
OLD="$(cd "${1:?usage: checkout-ab.sh OLD_CHECKOUT [shape ...]}" && pwd)"; shift
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PAIRS="${PAIRS:-3}"; THREADS="${THREADS:-2}"
NEW="$ROOT"
CP="$(model_bench_classpath)"   # relative to a checkout's root: the same string serves both
(cd "$OLD" && ./mvnw -o -q -B -pl lm-engine -am test-compile >&2)
SHAPES=("$@"); [ ${#SHAPES[@]} -eq 0 ] && SHAPES=(small)
PROPS=(); [ -n "${KERNELS:-}" ] && PROPS=(-Dcohort.kernels="$KERNELS")
# shellcheck disable=SC2206
[ -n "${JAVA_PROPS:-}" ] && PROPS+=(${JAVA_PROPS})
step() { # old|new shape
  local dir="$NEW"
  [ "$1" = old ] && dir="$OLD"
  load; echo "# $1 ($(git -C "$dir" rev-parse --short HEAD)$(git -C "$dir" diff --quiet HEAD || echo '+changes'))"
  (cd "$dir" && model_step_pair "$2" "${PROPS[@]}" | sed "s/^{/{\"checkout\": \"$1\", /")
}
interleave_pairs old new "${SHAPES[@]}"
