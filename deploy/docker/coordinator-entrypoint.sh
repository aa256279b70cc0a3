#!/usr/bin/env bash
# Coordinator container (issue 21 #1): the federation CA is offline, on another machine. This
# container holds only its own key, its certificate, the CA certificate and the CRL:
# - first start without a certificate: make the coordinator's key and request
#   ($DATA/pki/coordinator.csr; the key stays in the volume, 0600), say what to do, and exit 78;
# - the operator signs the request on the CA machine (cohort pki issue --server ...) and mounts
#   ca.crt, coordinator.crt, https.crt (the admin API's HTTPS certificate) and ca.crl at
#   $COHORT_PKI_INSTALL_DIR (a Secret in Kubernetes);
# - every start installs what is mounted there (a newer CRL included), then runs the coordinator.
# COHORT_DEV_CA=true instead keeps the all-in-one development CA in the data volume (demos only).
# COHORT_SERVER_NAMES: comma-separated host names/IPs nodes dial (development CA only; with the
# offline CA the CA operator gives them to `cohort pki issue --server-name`).
set -euo pipefail
DATA="${COHORT_DATA_DIR:-/var/lib/cohort}"
INSTALL="${COHORT_PKI_INSTALL_DIR:-/etc/cohort/pki-install}"
if [ "${COHORT_DEV_CA:-false}" = "true" ]; then
  names=()
  IFS=',' read -r -a list <<< "${COHORT_SERVER_NAMES:-}"
  for n in "${list[@]}"; do
    [ -n "$n" ] && names+=(--server-name "$n")
  done
  /opt/cohort/bin/cohort pki init --dev-ca --if-missing --data-dir "$DATA" "${names[@]}"
  if [ ! -f "$DATA/pki/https.crt" ]; then
    # A development CA from before the admin API served HTTPS (issue 21 #5): issue its certificate.
    /opt/cohort/bin/cohort pki server-cert --data-dir "$DATA" "${names[@]}"
  fi
else
  args=()
  [ -f "$INSTALL/ca.crt" ] && args+=(--ca-cert "$INSTALL/ca.crt")
  [ -f "$INSTALL/coordinator.crt" ] && args+=(--server-cert "$INSTALL/coordinator.crt")
  [ -f "$INSTALL/https.crt" ] && args+=(--https-cert "$INSTALL/https.crt")
  [ -f "$INSTALL/ca.crl" ] && args+=(--crl "$INSTALL/ca.crl")
  if [ ! -f "$DATA/pki/coordinator.key" ]; then
    /opt/cohort/bin/cohort pki server-request --data-dir "$DATA"
  fi
  if [ "${#args[@]}" -gt 0 ]; then
    /opt/cohort/bin/cohort pki install --data-dir "$DATA" "${args[@]}"
  fi
  if [ ! -f "$DATA/pki/coordinator.p12" ]; then
    echo "cohort: no coordinator certificate yet: sign $DATA/pki/coordinator.csr on the CA machine" \
      "(cohort pki issue --ca-dir DIR --server --csr coordinator.csr --server-name HOST --out DIR) and mount" \
      "ca.crt, coordinator.crt, https.crt and ca.crl at $INSTALL (docs/operations.md, section 3)" >&2
    exit 78
  fi
fi
exec /opt/cohort/bin/cohort serve --data-dir "$DATA" "$@"
