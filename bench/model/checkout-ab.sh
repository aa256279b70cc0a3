#!/usr/bin/env bash
# Issue 18: the engine of another checkout (OLD, e.g. a worktree of main) beside this checkout's,
# interleaved in one sitting so that whatever else loads the machine hits both alike:
#   bench/model/checkout-ab.sh OLD_CHECKOUT [tiny|small ...]      (default: small)
# Per shape: PAIRS pairs of one-process ModelStepBenchmark runs (plain step, fp32 then bf16), the
# order within a pair alternating (old-new, new-old, ...). Each line is tagged old/new and preceded
# by the load average. Env: PAIRS (3), THREADS (2), KERNELS (-Dcohort.kernels value, default: none).
set -euo pipefail
OLD="$(cd "${1:?usage: checkout-ab.sh OLD_CHECKOUT [shape ...]}" && pwd)"; shift
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PAIRS="${PAIRS:-3}"; THREADS="${THREADS:-2}"
NEW="$ROOT"
CP="$(model_bench_classpath)"   # relative to a checkout's root: the same string serves both
(cd "$OLD" && ./mvnw -o -q -B -pl lm-engine -am test-compile >&2)
SHAPES=("$@"); [ ${#SHAPES[@]} -eq 0 ] && SHAPES=(small)
PROPS=(); [ -n "${KERNELS:-}" ] && PROPS=(-Dcohort.kernels="$KERNELS")
load() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"; }
step() { # old|new shape
  local dir="$NEW" warm=3 reps=10 xmx=2g
  [ "$1" = old ] && dir="$OLD"
  [ "$2" = small ] && warm=1 reps=3 xmx=3g
  load; echo "# $1 ($(git -C "$dir" rev-parse --short HEAD)$(git -C "$dir" diff --quiet HEAD || echo '+changes'))"
  (cd "$dir" && env "$COHORT_OMP" java "${PROPS[@]}" -Xmx$xmx -cp "$CP" io.cohort.lm.train.ModelStepBenchmark "$2" 16 128 \
    "$THREADS" $warm $reps plain fp32,bf16 2>/dev/null | grep '"mode": "plain"' | sed "s/^{/{\"checkout\": \"$1\", /")
}
for shape in "${SHAPES[@]}"; do
  for ((i = 0; i < PAIRS; i++)); do
    if ((i % 2 == 0)); then step old "$shape"; step new "$shape"; else step new "$shape"; step old "$shape"; fi
  done
done
load
