#!/usr/bin/env bash
# Greedy decoding with a KV cache, Cohort beside PyTorch, same prompt (24 ids of each folder's
# golden.json), same thread count, one after the other in one run (issue 17):
#   bench/model/generate-throughput.sh [MODEL_DIR ...]   (default: the tiny GPT-2 and tiny Llama 3)
# Cohort: io.cohort.lm.generate.GenerationBenchmark; PyTorch 1.13: tools/reference/greedy_parity.py
# --bench (a plain-torch loop with its own KV cache, the maths of the parity fixture), run as
# Debian ships it and with the OpenBLAS Cohort uses preloaded. Both print median decode tokens/s
# over REPS runs of NEW tokens after warm-up. Env: THREADS (1 2), PYTHON (/usr/bin/python3), XMX (2g).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
THREADS="${THREADS:-1 2}"; PYTHON="${PYTHON:-/usr/bin/python3}"; XMX="${XMX:-2g}"
CP="$(model_bench_classpath)"
MODELS=("$@"); [ ${#MODELS[@]} -eq 0 ] && MODELS=(examples/text/tiny-gpt2-reuters examples/llama/tiny-llama3)
OPENBLAS_LIB="$(find "$HOME/.javacpp/cache" -path '*openblas*' -name libopenblas.so.0 2>/dev/null | head -1 || true)"
echo "# $(date -u +%FT%TZ) $(uptime)"
for m in "${MODELS[@]}"; do
  for t in $THREADS; do
    java -Xmx"$XMX" -cp "$CP" io.cohort.lm.generate.GenerationBenchmark "$m" "$t" 32 5 2>/dev/null
    "$PYTHON" tools/reference/greedy_parity.py --bench "$m" "$t" | sed 's/^{/{"impl": "pytorch", /'
    if [ -n "$OPENBLAS_LIB" ]; then
      LD_PRELOAD="$OPENBLAS_LIB" "$PYTHON" tools/reference/greedy_parity.py --bench "$m" "$t" \
        | sed 's/^{/{"impl": "pytorch+openblas-0.3.19", /'
    fi
  done
done
echo "# $(uptime)"
