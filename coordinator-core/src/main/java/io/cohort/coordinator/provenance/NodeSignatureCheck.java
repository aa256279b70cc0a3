package io.cohort.coordinator.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.crypto.pki.CertificateValidator;
import io.cohort.crypto.pki.NodeCertificate;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.RevocationList;
import io.cohort.crypto.provenance.ModelReceipt;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.JobTerms;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the nodes' co-signatures in an export manifest (issue 21 #6) against the federation CA the
 * verifier holds, so that a model's lineage does not rest on the coordinator's word alone. For every
 * round and every node the manifest names as a contributor there must be a signature that
 *
 * <ul>
 *   <li>comes with a certificate issued by that CA, a node certificate for exactly that node id,
 *       valid when the round completed and not revoked on the newest CRL available (the verifier's
 *       own, or the CA-signed one the manifest carries);
 *   <li>verifies under the certified key over {@link ModelReceipt}: the manifest's job id, the terms
 *       hash of the manifest's {@code job.spec} (recomputed here, so the spec cannot differ from what
 *       the nodes accepted), the round and the model hash the signature names;
 *   <li>names the same received model as every other contributor of the round, and, when the
 *       manifest has the previous round, that round's global model: so the chain of global models
 *       the manifest states is the one the nodes received.
 * </ul>
 *
 * Each problem names the round and the node. What this does not show: the exported (last) global
 * model is the output of the last round, which no node has received yet; it rests on the
 * coordinator's signature and on the aggregation the nodes cannot see.
 */
public final class NodeSignatureCheck {
  /** Problems (empty when every signature checks out) and how many signatures were verified. */
  public record Outcome(List<String> problems, int signaturesVerified) {}

  private NodeSignatureCheck() {
  }

  /**
   * @param where how to name the manifest in messages
   * @param m the manifest, whose coordinator signature has been verified
   * @param ca the federation CA certificate the verifier trusts
   * @param crl the verifier's own revocation list, if any (already verified against {@code ca})
   */
  public static Outcome check(String where, JsonNode m, X509Certificate ca, Optional<RevocationList> crl) {
    List<String> problems = new ArrayList<>();
    String jobId = m.path("job").path("job_id").asText("");
    String terms;
    try {
      JobSpec.Builder spec = JobSpec.newBuilder();
      JsonFormat.parser().merge(m.path("job").path("spec").toString(), spec);
      terms = JobTerms.sha256Hex(spec.build());
    } catch (InvalidProtocolBufferException e) {
      return new Outcome(List.of(where + ": job.spec is not a job spec (" + e.getMessage() + "), so the nodes'"
          + " signatures cannot be checked"), 0);
    }
    if (!terms.equals(m.path("job").path("terms_sha256").asText())) {
      problems.add(where + ": job.terms_sha256 " + m.path("job").path("terms_sha256").asText() + " is not the hash "
          + terms + " of job.spec");
    }
    RevocationList revocations = newest(where, m, ca, crl, problems);
    CertificateValidator validator = new CertificateValidator(ca);
    Map<Integer, String> modelOfRound = new HashMap<>();
    for (JsonNode r : m.path("rounds")) {
      modelOfRound.put(r.path("round").asInt(), r.path("model_sha256").asText(""));
    }
    int verified = 0;
    for (JsonNode r : m.path("rounds")) {
      int round = r.path("round").asInt();
      if (round < 1) {
        continue; // a secure job's seeded initial model: no node received anything to attest
      }
      Instant when;
      try {
        when = Instant.parse(r.path("completed_at").asText());
      } catch (DateTimeParseException e) {
        problems.add(where + ": round " + round + " has no valid completed_at");
        continue;
      }
      Map<String, JsonNode> byNode = new HashMap<>();
      r.path("node_signatures").forEach(s -> byNode.put(s.path("node_id").asText(), s));
      String received = null;
      for (JsonNode c : r.path("contributors")) {
        String node = c.asText();
        String who = where + ": round " + round + ", node '" + node + "'";
        JsonNode s = byNode.get(node);
        if (s == null) {
          problems.add(who + ": no signature by this contributing node (its update is in the model, but it did"
              + " not attest the global model it received)");
          continue;
        }
        Optional<String> bad = verify(s, node, jobId, terms, round, when, validator, revocations);
        if (bad.isPresent()) {
          problems.add(who + ": " + bad.get());
          continue;
        }
        verified++;
        String model = s.path("model_sha256").asText();
        if (received == null) {
          received = model;
        } else if (!received.equals(model)) {
          problems.add(who + ": signed receipt of model " + orNone(model) + ", but another contributor of the round"
              + " received " + orNone(received) + " (the coordinator sent different models)");
        }
        String previous = modelOfRound.get(round - 1);
        if (previous != null && !previous.equals(model)) {
          problems.add(who + ": received model " + orNone(model) + ", but the manifest says round " + (round - 1)
              + " produced " + orNone(previous));
        }
      }
    }
    return new Outcome(problems, verified);
  }

  private static Optional<String> verify(JsonNode s, String node, String jobId, String terms, int round, Instant when,
      CertificateValidator validator, RevocationList revocations) {
    if (s.path("certificate").isNull() || s.path("certificate").asText("").isEmpty()) {
      return Optional.of("its signature comes without a certificate (a plaintext development federation), so it"
          + " cannot be checked against the CA");
    }
    NodeCertificate cert;
    try {
      X509Certificate x = Pem.certificate(Base64.getDecoder().decode(s.path("certificate").asText()),
          "the certificate of node '" + node + "'");
      cert = validator.validateNode(List.of(x), when, serial -> revocations != null && revocations.isRevoked(serial));
    } catch (PkiException | IllegalArgumentException e) {
      return Optional.of("its certificate does not check out against the federation CA: " + e.getMessage());
    }
    if (!cert.nodeId().equals(node)) {
      return Optional.of("signed with the certificate of node '" + cert.nodeId() + "'");
    }
    ModelReceipt receipt;
    byte[] signature;
    try {
      receipt = new ModelReceipt(jobId, terms, round, s.path("model_sha256").asText());
      signature = Base64.getDecoder().decode(s.path("signature").asText());
    } catch (IllegalArgumentException e) {
      return Optional.of("malformed signature entry: " + e.getMessage());
    }
    if (!receipt.verifies(cert.identityKey(), signature)) {
      return Optional.of("the signature does not verify under its certified key (for this job, terms, round and"
          + " model " + orNone(receipt.modelSha256()) + ")");
    }
    return Optional.empty();
  }

  /** The newest of the verifier's CRL and the one the manifest carries (which must verify under the CA). */
  private static RevocationList newest(String where, JsonNode m, X509Certificate ca, Optional<RevocationList> own,
      List<String> problems) {
    RevocationList best = own.orElse(null);
    String carried = m.path("node_signatures").path("crl").asText("");
    if (!carried.isEmpty()) {
      try {
        RevocationList c = RevocationList.verified(Base64.getDecoder().decode(carried), ca);
        if (best == null || c.thisUpdate().isAfter(best.thisUpdate())) {
          best = c;
        }
      } catch (PkiException | IllegalArgumentException e) {
        problems.add(where + ": node_signatures.crl: " + e.getMessage());
      }
    }
    return best;
  }

  private static String orNone(String sha) {
    return sha.isEmpty() ? "(none)" : sha;
  }
}
