# Shared by bin/cohort and bin/cohort-node: find Java, build once when needed.
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  JAVA="$(command -v java)"
else
  echo "cohort: no Java found; install a JDK 17 or newer, or set JAVA_HOME" >&2
  exit 2
fi

cohort_ensure_built() {
  if [ -n "${COHORT_REBUILD:-}" ] || [ ! -f "$ROOT/coordinator/target/quarkus-app/quarkus-run.jar" ] \
     || [ ! -f "$ROOT/client-node/target/cohort-node.jar" ] \
     || [ ! -f "$ROOT/simulator/target/cohort.jar" ]; then
    echo "cohort: building Cohort (first run only; set COHORT_REBUILD=1 to force) ..." >&2
    (cd "$ROOT" && ./mvnw -q -B install -DskipTests) >&2
  fi
}

# OpenBLAS 0.3.19 (ND4J's, also the language-model engine's) does not recognise recent x86 cores and
# falls back to SSE kernels (~4x slower), and machine images sometimes force older kernels
# (OPENBLAS_CORETYPE=Haswell halves the engine's FP32 products on an AVX-512 CPU: 175 against
# 330-370 GFLOP/s on 2 cores, docs/benchmarks.md). So the kernels come from the CPU flags whatever
# the environment says; COHORT_OPENBLAS_CORETYPE forces a choice.
cohort_openblas_kernels() {
  if [ -n "${COHORT_OPENBLAS_CORETYPE:-}" ]; then
    export OPENBLAS_CORETYPE="$COHORT_OPENBLAS_CORETYPE"
  elif [ -r /proc/cpuinfo ]; then
    if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SKYLAKEX
    elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=HASWELL; fi
  fi
}
