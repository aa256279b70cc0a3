package io.cohort.coordinator.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The detached signature of a manifest ({@code provenance.sig}): Ed25519 over the exact bytes of
 * {@code provenance.json}, with the signer's public key and fingerprint so that a verifier can
 * compare the fingerprint with {@code GET /api/v1/provenance/key} or a pinned key.
 */
public record DetachedSignature(IdentityPublicKey publicKey, byte[] signature) {
  public static final String FILE_NAME = "provenance.sig";
  public static final String ALGORITHM = "Ed25519";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static DetachedSignature sign(ProvenanceKey key, byte[] manifest) {
    return new DetachedSignature(key.publicKey(), key.sign(manifest));
  }

  public boolean verifies(byte[] manifest) {
    return publicKey.verify(manifest, signature);
  }

  public String fingerprint() {
    return ProvenanceKey.fingerprint(publicKey);
  }

  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("algorithm", ALGORITHM).put("public_key", publicKey.hex()).put("fingerprint", fingerprint())
        .put("signature", Base64.getEncoder().encodeToString(signature)).put("signed_file", ManifestWriter.FILE_NAME);
    try {
      return JSON.writeValueAsString(n) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses {@code provenance.sig}; the message names the field that is wrong. */
  public static DetachedSignature parse(String json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("is not JSON: " + e.getMessage());
    }
    if (!ALGORITHM.equals(n.path("algorithm").asText())) {
      throw new IllegalArgumentException("algorithm must be " + ALGORITHM + ", got '" + n.path("algorithm").asText() + "'");
    }
    IdentityPublicKey key;
    try {
      key = IdentityPublicKey.fromRaw(HexFormat.of().parseHex(n.path("public_key").asText()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("public_key is not a hex Ed25519 public key: " + e.getMessage());
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(n.path("signature").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("signature is not base64");
    }
    return new DetachedSignature(key, sig);
  }
}
