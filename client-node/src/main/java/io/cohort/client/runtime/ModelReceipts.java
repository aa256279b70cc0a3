package io.cohort.client.runtime;

import com.google.protobuf.ByteString;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.provenance.ModelReceipt;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.SignedModelReceipt;
import io.cohort.wire.JobTerms;
import java.util.HexFormat;

/**
 * The node's co-signature of a round (issue 21 #6): it signs the job, the terms it accepted (the
 * hash of the spec the task carries, which {@code PrivacyGuard.checkTerms} has already matched
 * against the pinned one) and the global model it received, so that an export's lineage is attested
 * by every contributing node and not by the coordinator alone.
 */
final class ModelReceipts {
  private ModelReceipts() {
  }

  /** The signed receipt of round {@code round}; {@code modelSha256} is empty when no model was received. */
  static SignedModelReceipt signed(IdentityKeyPair identity, String jobId, JobSpec spec, int round, byte[] modelSha256) {
    String terms = JobTerms.sha256Hex(spec);
    ModelReceipt receipt = new ModelReceipt(jobId, terms, round, HexFormat.of().formatHex(modelSha256));
    return SignedModelReceipt.newBuilder().setJobTermsSha256(terms).setModelSha256(ByteString.copyFrom(modelSha256))
        .setSignature(ByteString.copyFrom(receipt.sign(identity))).build();
  }
}
