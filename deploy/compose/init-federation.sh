#!/usr/bin/env bash
# One-shot set-up for the compose demo, with the same launchers operators use. The CA lives in
# the coordinator volume; each node's identity key is created in that node's own volume and
# only its certificate request is read from there (offline enrolment, as for air-gapped sites).
# Idempotent: a node that already has its certificate is left alone.
set -euo pipefail
DATA=/var/lib/cohort
/opt/cohort/bin/cohort pki init --if-missing --data-dir "$DATA" --server-name coordinator
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
  /opt/cohort/bin/cohort pki issue --data-dir "$DATA" --node "node$i" --csr "$dir/node$i.csr" --out "$dir"
done
