package io.cohort.crypto.secagg;

import io.cohort.crypto.keys.IdentityPublicKey;

/**
 * The node's view of the PKI: whether {@code identity} is certified for {@code nodeId} (typically by
 * the federation's certificate authority). Supplied by the node layer, which owns certificates.
 *
 * <p>Security guarantees: a node proceeds only if every key-list entry is certified and at least
 * n_min are present, so a coordinator cannot fill a cohort with Sybils (docs/secagg-scenarios.md S5).
 */
@FunctionalInterface
public interface CertifiedIdentities {
  boolean isCertified(int nodeId, IdentityPublicKey identity);
}
