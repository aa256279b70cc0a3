#!/usr/bin/env bash
# Node container: enrol once when a one-time token is given (the key is created here, in the
# node's volume, and never leaves it), then run the node with the same launcher as everywhere.
set -euo pipefail
CFG="${COHORT_NODE_CONFIG:-/var/lib/cohort-node/node.yaml}"
MARK="${COHORT_NODE_STATE:-/var/lib/cohort-node}/.enrolled"
if [ -n "${COHORT_ENROL_TOKEN:-}" ] && [ ! -f "$MARK" ]; then
  /opt/cohort/bin/cohort-node enroll --config "$CFG" --token "$COHORT_ENROL_TOKEN"
  touch "$MARK"
fi
exec /opt/cohort/bin/cohort-node --config "$CFG" "$@"
