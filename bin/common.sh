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
