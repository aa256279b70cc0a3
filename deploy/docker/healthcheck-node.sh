#!/usr/bin/env bash
# Healthy when the coordinator accepts this node's certificate now (cohort-node status probes
# without disturbing the daemon's session).
/opt/cohort/bin/cohort-node status --config "${COHORT_NODE_CONFIG:-/var/lib/cohort-node/node.yaml}" \
  | grep -q '^connection: *connected'
