package io.cohort.coordinator.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.NodeRecord;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.coordinator.store.StoredLedgerEntry;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a job's provenance manifest ({@code provenance.json}): the job spec as JSON, the base
 * model, the rounds with their participants and contributors, DP and secure-aggregation settings,
 * each node's privacy spend from its signed ledger lines (with the lines themselves, verifiable
 * under the node's key), each node's privacy audit (audited beside accounted epsilon) when the job asked for one, software versions, the exported files' SHA-256 and the export time.
 * Field order is fixed, so the same facts give the same bytes.
 */
public final class ManifestWriter {
  public static final String FILE_NAME = "provenance.json";
  public static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final JsonFormat.Printer PROTO_JSON =
      JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence();

  /** Everything the manifest states, read from the coordinator's store. */
  public record Facts(JobRecord job, List<RoundRecord> rounds, List<StoredLedgerEntry> ledger,
      List<PrivacyAuditStore.Row> audits, List<NodeRecord> nodes, String coordinatorVersion, ExportedFiles files,
      Instant exportedAt, String signerFingerprint, List<io.cohort.coordinator.store.ModelReceiptStore.Row> receipts,
      byte[] crlDer) {}

  private ManifestWriter() {
  }

  public static byte[] write(Facts f) {
    JobSpec spec = f.job().spec();
    ObjectNode m = JSON.createObjectNode();
    m.put("manifest_version", VERSION);
    m.put("kind", "cohort export provenance");
    ObjectNode job = m.putObject("job");
    job.put("job_id", f.job().jobId()).put("name", spec.getName()).put("state", f.job().state().name())
        .put("task", spec.getTask().name()).put("created_at", f.job().createdAt().toString());
    job.set("spec", proto(spec));
    // Issue 21 #4: the terms hash nodes pinned at acceptance; each node's ledger line names it (terms=).
    job.put("terms_sha256", io.cohort.wire.JobTerms.sha256Hex(spec));
    if (spec.getTask() != TaskType.TASK_TYPE_TABULAR_CLASSIFICATION && spec.hasModel()) {
      m.putObject("base_model").put("name", spec.getModel().getName()).put("sha256", spec.getModel().getSha256())
          .put("hash_definition", "io.cohort.format.checkpoint.CheckpointDigest");
    } else {
      m.putNull("base_model");
    }
    m.put("rounds_total", spec.getRounds());
    m.put("rounds_completed", f.rounds().size());
    ArrayNode rounds = m.putArray("rounds");
    for (RoundRecord r : f.rounds()) {
      ObjectNode o = rounds.addObject();
      o.put("round", r.round()).put("attempt", r.attempt());
      r.participants().stream().sorted().forEach(o.putArray("participants")::add);
      r.contributors().stream().sorted().forEach(o.putArray("contributors")::add);
      o.put("num_examples", r.numExamples()).put("model_sha256", r.modelSha256())
          .put("completed_at", r.completedAt().toString());
      nodeSignatures(o, r, f.receipts());
      if (r.evaluation() != null) {
        o.putObject("evaluation").put("nodes", r.evaluation().nodes()).put("examples", r.evaluation().examples())
            .put("loss", r.evaluation().loss()).put("accuracy", r.evaluation().accuracy())
            .put("roc_auc", r.evaluation().rocAuc());
      }
    }
    RoundRecord last = f.rounds().isEmpty() ? null : f.rounds().get(f.rounds().size() - 1);
    ObjectNode global = m.putObject("global_model");
    global.put("round", last == null ? 0 : last.round());
    global.put("tensor_sha256", last == null ? null : last.modelSha256());
    ObjectNode co = m.putObject("node_signatures");
    co.put("statement", io.cohort.crypto.provenance.ModelReceipt.DOMAIN + " (io.cohort.crypto.provenance.ModelReceipt):"
        + " job id, terms_sha256, round and the SHA-256 of the global model the node received, signed with the"
        + " identity key its certificate certifies");
    co.put("crl", f.crlDer() == null || f.crlDer().length == 0 ? null
        : java.util.Base64.getEncoder().encodeToString(f.crlDer()));
    m.set("strategy", proto(spec.getStrategy()));
    m.set("secure_aggregation", proto(spec.getSecureAggregation()));
    m.set("differential_privacy", proto(spec.getPrivacy()));
    m.set("privacy_spent", privacySpent(f.ledger()));
    m.set("privacy_audit", privacyAudit(f.audits()));
    ObjectNode software = m.putObject("software");
    software.put("coordinator", f.coordinatorVersion()).put("java", System.getProperty("java.version"))
        .put("os", System.getProperty("os.name")).put("arch", System.getProperty("os.arch"));
    ObjectNode nodes = software.putObject("nodes");
    java.util.Set<String> involved = new java.util.TreeSet<>();
    f.rounds().forEach(r -> involved.addAll(r.participants()));
    for (NodeRecord n : f.nodes().stream().sorted(java.util.Comparator.comparing(NodeRecord::nodeId)).toList()) {
      if (involved.contains(n.nodeId())) {
        nodes.put(n.nodeId(), n.softwareVersion());
      }
    }
    ObjectNode export = m.putObject("export");
    export.put("format", f.files().format()).put("exported_at", f.exportedAt().toString())
        .put("files_hashed_by", f.files().hashedBy());
    ObjectNode files = export.putObject("files");
    f.files().sha256().forEach(files::put);
    m.putObject("signer").put("algorithm", DetachedSignature.ALGORITHM).put("fingerprint", f.signerFingerprint())
        .put("signature_file", DetachedSignature.FILE_NAME);
    try {
      return (JSON.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Issue 21 #6: the signed receipts of the round's contributors (a participant whose update is not in
   * the aggregate is not listed), each with the certificate the node registered with (null in
   * plaintext development mode), so that a verifier checks them against the federation CA alone.
   */
  private static void nodeSignatures(ObjectNode round, RoundRecord r,
      List<io.cohort.coordinator.store.ModelReceiptStore.Row> receipts) {
    ArrayNode out = round.putArray("node_signatures");
    java.util.Set<String> contributors = new java.util.HashSet<>(r.contributors());
    for (var x : receipts) {
      if (x.round() == r.round() && contributors.contains(x.nodeId())) {
        ObjectNode o = out.addObject();
        o.put("node_id", x.nodeId()).put("model_sha256", x.modelSha256())
            .put("signature", java.util.Base64.getEncoder().encodeToString(x.signature()));
        o.put("certificate", x.certificateDer().length == 0 ? null
            : java.util.Base64.getEncoder().encodeToString(x.certificateDer()));
      }
    }
  }

  /**
   * Per (node, dataset): the dataset's epsilon after the job's last entry (the node's accountant
   * composes all its releases, so this is the dataset's running total, including earlier jobs),
   * the delta, the accountant, and the job's signed ledger lines in order.
   */
  private static ArrayNode privacySpent(List<StoredLedgerEntry> ledger) {
    Map<String, List<StoredLedgerEntry>> byDataset = new TreeMap<>();
    for (StoredLedgerEntry e : ledger) {
      byDataset.computeIfAbsent(e.nodeId() + "\u0000" + e.datasetAlias(), k -> new java.util.ArrayList<>()).add(e);
    }
    ArrayNode out = JSON.createArrayNode();
    for (List<StoredLedgerEntry> entries : byDataset.values()) {
      entries.sort(java.util.Comparator.comparingLong(StoredLedgerEntry::seq));
      StoredLedgerEntry lastEntry = entries.get(entries.size() - 1);
      ObjectNode o = out.addObject();
      o.put("node_id", lastEntry.nodeId()).put("dataset", lastEntry.datasetAlias())
          .put("epsilon", lastEntry.epsilonAfter()).put("delta", lastEntry.delta())
          .put("epsilon_scope", "dataset total after the job's last entry")
          .put("accountant", lastEntry.accountant()).put("releases", entries.size());
      ArrayNode lines = o.putArray("ledger");
      for (StoredLedgerEntry e : entries) {
        lines.addObject().put("seq", e.seq()).put("round", e.round()).put("noise_multiplier", e.noiseMultiplier())
            .put("sampling_rate", e.samplingRate()).put("clip_norm", e.clipNorm()).put("steps", e.steps())
            .put("epsilon_after", e.epsilonAfter()).put("entry_hash", e.entryHash()).put("signed_line", e.signedLine());
      }
      o.put("ledger_header", lastEntry.ledgerHeader());
    }
    return out;
  }

  /**
   * Per node: its one-run audit of the job ({@code privacy.audit}) as it last reported it, the
   * audited lower bound beside the accounted epsilon of the same steps (null for a job without DP).
   * Empty when the job asked for no audit.
   */
  private static ArrayNode privacyAudit(List<PrivacyAuditStore.Row> audits) {
    ArrayNode out = JSON.createArrayNode();
    for (PrivacyAuditStore.Row a : audits.stream().sorted(java.util.Comparator.comparing(PrivacyAuditStore.Row::nodeId))
        .toList()) {
      ObjectNode o = out.addObject();
      o.put("node_id", a.nodeId()).put("round", a.round()).put("steps", a.steps()).put("canaries", a.canaries())
          .put("guesses", a.guesses()).put("correct", a.correct())
          .put("epsilon_lower_bound", a.epsilonLowerBound()).put("confidence", a.confidence()).put("delta", a.delta());
      if (Double.isNaN(a.accountedEpsilon())) {
        o.putNull("accounted_epsilon");
      } else {
        o.put("accounted_epsilon", a.accountedEpsilon());
      }
      o.put("method", "one-run audit, white-box gradient canaries (Steinke, Nasr and Jagielski 2023, Thm 3.1)")
          .put("reported_at", a.reportedAt().toString());
    }
    return out;
  }

  private static JsonNode proto(com.google.protobuf.MessageOrBuilder msg) {
    try {
      return JSON.readTree(PROTO_JSON.print(msg));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot write " + msg.getClass().getSimpleName() + " as JSON", e);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
