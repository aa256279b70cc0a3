#!/usr/bin/env bash
# One-shot set-up for the compose demo, following the offline-CA workflow of docs/operations.md
# (issue 21 #1) with the same launchers operators use. The CA has its own volume (ca-data), which
# the coordinator never mounts: this container plays the CA machine and the courier between them.
# The coordinator's key is made in the coordinator volume and each node's identity key in that
# node's own volume; only certificate requests and certificates travel. The CA passphrase comes
# from the compose secret ca_passphrase (a file), never from an argument.
# Idempotent: what already exists is left alone.
set -euo pipefail
DATA=/var/lib/cohort
CA=/ca
export COHORT_CA_PASSPHRASE_FILE=/run/secrets/ca_passphrase
/opt/cohort/bin/cohort pki init --if-missing --ca-dir "$CA"
if [ ! -f "$DATA/pki/coordinator.p12" ]; then
  /opt/cohort/bin/cohort pki server-request --data-dir "$DATA" --out /tmp/coordinator.csr
  /opt/cohort/bin/cohort pki issue --ca-dir "$CA" --server --csr /tmp/coordinator.csr --server-name coordinator \
    --out /tmp/to-coordinator
  /opt/cohort/bin/cohort pki crl --ca-dir "$CA"
  /opt/cohort/bin/cohort pki install --data-dir "$DATA" --ca-cert /tmp/to-coordinator/ca.crt \
    --server-cert /tmp/to-coordinator/coordinator.crt --https-cert /tmp/to-coordinator/https.crt --crl "$CA/ca.crl"
fi
for i in 1 2 3; do
  dir="/nodes/node$i"
  [ -f "$dir/node$i.crt" ] && continue
  if [ ! -f "$dir/data/data-node$i.csv" ]; then
    /opt/cohort/bin/cohort-node partition --data /examples/credit-g.csv --label class --nodes 3 --seed 42 \
      --out "$dir/data" >/dev/null
  fi
  cat > "$dir/node.yaml" <<YAML
node_id: node$i
coordinator: coordinator:9090
datasets:
  - alias: credit
    path: data/data-node$i.csv
    validation_path: data/data-node$i-test.csv
YAML
  /opt/cohort/bin/cohort-node enroll --config "$dir/node.yaml" --csr-out "$dir/node$i.csr"
  /opt/cohort/bin/cohort pki issue --ca-dir "$CA" --node "node$i" --csr "$dir/node$i.csr" --out "$dir"
done
