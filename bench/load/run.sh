#!/usr/bin/env bash
# Load test of one coordinator on loopback (not part of the test suite; see docs/benchmarks.md):
#   bench/load/run.sh [NODES=200] [ADMINS=50] [SECONDS=60]
# Starts the packaged coordinator (embedded H2, fresh data directory, default 2 s heartbeat
# interval), runs LoadHarness.java against it, prints errors and admin latency percentiles, and
# stops it. Build first: ./mvnw -B install -DskipTests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODES="${1:-200}"; ADMINS="${2:-50}"; SECONDS_="${3:-60}"
APP="$ROOT/coordinator/target/quarkus-app"
[ -f "$APP/quarkus-run.jar" ] || { echo "build first: ./mvnw -B install -DskipTests" >&2; exit 2; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cohort-load.XXXXXX")"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
GRPC="$(free_port)"; HTTP="$(free_port)"
java -XX:+UseSerialGC -Dcohort.data-dir="$WORK/data" -Dquarkus.grpc.server.port="$GRPC" \
  -Dquarkus.http.port="$HTTP" -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.http.host=127.0.0.1 \
  -jar "$APP/quarkus-run.jar" > "$WORK/coordinator.log" 2>&1 &
COORD=$!
trap 'kill $COORD 2>/dev/null; wait $COORD 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  [ -s "$WORK/data/admin.token" ] && curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$WORK/data/admin.token")" \
    "http://127.0.0.1:$HTTP/api/v1/nodes" && break
  sleep 0.5
done
echo "coordinator pid $COORD, grpc $GRPC, http $HTTP, log $WORK/coordinator.log"
java -cp "$APP/app/*:$APP/lib/main/*" "$ROOT/bench/load/LoadHarness.java" "127.0.0.1:$GRPC" \
  "http://127.0.0.1:$HTTP" "$(cat "$WORK/data/admin.token")" "$NODES" "$ADMINS" "$SECONDS_" 2000
