package io.cohort.coordinator.provenance;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.round.NodeIdentities;
import io.cohort.coordinator.store.ModelReceiptStore;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.provenance.ModelReceipt;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.SignedModelReceipt;
import io.cohort.wire.JobTerms;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Takes a node's signed receipt of a round's global model (issue 21 #6), sent with its update, and
 * keeps it for the export manifest after checking it: the job's terms hash, the model this round
 * actually sent, and the signature under the identity key the node registered with (under mutual
 * TLS, the key its certificate certifies). A receipt that fails a check refuses the upload
 * ({@code INVALID_ARGUMENT}), since it means the node trained on something else.
 */
public final class ModelReceiptIntake {
  private final ModelReceiptStore store;
  private final NodeIdentities identities;
  private final Clock clock;

  public ModelReceiptIntake(ModelReceiptStore store, NodeIdentities identities, Clock clock) {
    this.store = store;
    this.identities = identities;
    this.clock = clock;
  }

  /**
   * @param sentModel the SHA-256 of the global model the open round sent (empty array: none); empty
   *     when {@code round} is not the open training round
   */
  public void accept(String nodeId, JobSpec spec, int round, Optional<byte[]> sentModel, SignedModelReceipt r) {
    String terms = JobTerms.sha256Hex(spec);
    if (!terms.equals(r.getJobTermsSha256())) {
      throw DomainException.invalid("model_receipt.job_terms_sha256 is " + r.getJobTermsSha256() + ", but job "
          + spec.getJobId() + " has terms " + terms);
    }
    byte[] model = r.getModelSha256().toByteArray();
    if (sentModel.isEmpty()) {
      throw DomainException.precondition("round " + round + " of job " + spec.getJobId() + " is not open for training");
    }
    if (!Arrays.equals(sentModel.get(), model)) {
      throw DomainException.invalid("model_receipt.model_sha256 names " + hexOrNone(model) + ", but round " + round
          + " sent the global model " + hexOrNone(sentModel.get()));
    }
    IdentityPublicKey key = identities.get(nodeId).orElseThrow(() -> DomainException.precondition("node '" + nodeId
        + "' registered without an identity key, so its model receipt cannot be checked"));
    ModelReceipt receipt = new ModelReceipt(spec.getJobId(), terms, round, HexFormat.of().formatHex(model));
    byte[] signature = r.getSignature().toByteArray();
    if (!receipt.verifies(key, signature)) {
      throw DomainException.invalid("model_receipt.signature does not verify under node '" + nodeId
          + "''s identity key");
    }
    store.record(new ModelReceiptStore.Row(spec.getJobId(), round, nodeId, terms, receipt.modelSha256(), signature,
        identities.certificate(nodeId).orElse(new byte[0]), clock.instant()));
  }

  private static String hexOrNone(byte[] sha) {
    return sha.length == 0 ? "none" : HexFormat.of().formatHex(sha);
  }
}
