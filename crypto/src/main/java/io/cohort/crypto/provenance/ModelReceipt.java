package io.cohort.crypto.provenance;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A node's statement that, for round {@code round} of job {@code jobId} under the terms it accepted
 * ({@code termsSha256}, {@code io.cohort.wire.JobTerms}), it received the global model whose tensor
 * SHA-256 is {@code modelSha256} (empty for a plain job's first round, which starts from the job's
 * seeded parameters without any received model). Each contributing node signs it with its identity
 * key and sends it with its update; the export manifest carries the signatures, so that a model's
 * lineage is attested by the nodes and not by the coordinator alone (issue 21 #6).
 *
 * <p>Signed bytes (UTF-8, each line ended by {@code \n}): {@code cohort-model-receipt-v1},
 * {@code job=<job id>}, {@code terms=<hex>}, {@code round=<decimal>}, {@code model=<hex or empty>}.
 * The first line separates these signatures from every other use of the identity key (secure-
 * aggregation messages and ledger lines have their own prefixes), so a receipt can never be
 * replayed as one of those, nor one of those as a receipt.
 *
 * <p>Security guarantees: a valid signature under a node's certified key shows that node stated
 * exactly these four values; it says nothing about the model the node sent back.
 */
public record ModelReceipt(String jobId, String termsSha256, int round, String modelSha256) {
  public static final String DOMAIN = "cohort-model-receipt-v1";
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  public ModelReceipt {
    if (jobId == null || jobId.isEmpty() || jobId.contains("\n")) {
      throw new IllegalArgumentException("a receipt needs a job id without line breaks");
    }
    if (termsSha256 == null || !HEX64.matcher(termsSha256).matches()) {
      throw new IllegalArgumentException("terms must be a lower-case hex SHA-256, got '" + termsSha256 + "'");
    }
    if (round < 1) {
      throw new IllegalArgumentException("round must be at least 1, got " + round);
    }
    if (modelSha256 == null || !(modelSha256.isEmpty() || HEX64.matcher(modelSha256).matches())) {
      throw new IllegalArgumentException("model must be a lower-case hex SHA-256 or empty, got '" + modelSha256 + "'");
    }
  }

  /** The exact bytes a node signs. */
  public byte[] statement() {
    return (DOMAIN + "\njob=" + jobId + "\nterms=" + termsSha256 + "\nround=" + round + "\nmodel=" + modelSha256 + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The node's Ed25519 signature over {@link #statement()}. */
  public byte[] sign(IdentityKeyPair identity) {
    return identity.sign(statement());
  }

  /** Whether {@code signature} is {@code key}'s signature over {@link #statement()}. */
  public boolean verifies(IdentityPublicKey key, byte[] signature) {
    return signature != null && signature.length == IdentityKeyPair.SIGNATURE_BYTES && key.verify(statement(), signature);
  }
}
