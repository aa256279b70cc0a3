package io.cohort.crypto.pki;

import io.cohort.crypto.keys.IdentityPublicKey;
import java.math.BigInteger;
import java.time.Instant;

/**
 * What a validated node certificate says: the node id (its CN), the node's Ed25519 identity key
 * (the certified key itself), and the serial and validity used for revocation and rotation.
 *
 * @param fingerprint SHA-256 of the certificate's DER, lowercase hex
 */
public record NodeCertificate(String nodeId, IdentityPublicKey identityKey, BigInteger serial, Instant notBefore,
    Instant notAfter, String fingerprint) {}
