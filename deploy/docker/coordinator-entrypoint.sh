#!/usr/bin/env bash
# Coordinator container: create the federation PKI on first start (CA key stays in the data
# volume, 0600), then run the coordinator with the launcher every other path uses.
# COHORT_SERVER_NAMES: comma-separated host names/IPs nodes dial (go into the server certificate).
set -euo pipefail
DATA="${COHORT_DATA_DIR:-/var/lib/cohort}"
names=()
IFS=',' read -r -a list <<< "${COHORT_SERVER_NAMES:-}"
for n in "${list[@]}"; do
  [ -n "$n" ] && names+=(--server-name "$n")
done
/opt/cohort/bin/cohort pki init --if-missing --data-dir "$DATA" "${names[@]}"
exec /opt/cohort/bin/cohort serve --data-dir "$DATA" "$@"
