package io.cohort.coordinator.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.coordinator.store.StoredLedgerEntry;
import io.cohort.crypto.Digests;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.ModelSpec;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provenance manifests over the real store (H2 with the real migrations): what they say, that the
 * signature verifies, and that changing any exported file, the manifest or the signature, or
 * adding or removing a file fails verification naming what changed.
 */
class ProvenanceManifestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private JobStore jobs;
  private ModelStore models;
  private ProvenanceService service;
  private RoundRecord round2;

  @BeforeEach
  void setUp() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:prov-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure().dataSource(h2).locations("classpath:db/migration").load().migrate();
    AuditLog log = new AuditLog(dir.resolve("audit.head"));
    jobs = new JobStore(h2, log, Clock.systemUTC());
    LedgerEntryStore ledger = new LedgerEntryStore(h2);
    models = new ModelStore(dir.resolve("models"), 1 << 20);
    JobSpec spec = JobSpec.newBuilder().setJobId("job-p").setName("prov").setTask(TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION)
        .setDatasetAlias("reuters").setRounds(2).setMinNodes(2).setSeed(42)
        .setModel(ModelSpec.newBuilder().setName("tiny").setSha256("ab".repeat(32)))
        .setPrivacy(PrivacySpec.newBuilder().setEnabled(true).setTargetEpsilon(8).setDelta(1e-5).setClipNorm(1))
        .build();
    jobs.createJob(spec, "token:admin (t1)", Instant.now());
    jobs.upsertNode("bank-a", "cohort-node 0.9", List.of("reuters"), Instant.now());
    jobs.upsertNode("bank-b", "cohort-node 0.8", List.of("reuters"), Instant.now());
    for (int r = 1; r <= 2; r++) {
      var stored = models.write("job-p", r, new TensorBundle(List.of(new Tensor("w", new long[] {2}, new float[] {r, -r}))));
      RoundRecord rec = new RoundRecord("job-p", r, 1, List.of("bank-b", "bank-a"), List.of("bank-a", "bank-b"), 100,
          stored.modelId(), stored.sha256Hex(), Instant.now(), Instant.now(), null);
      jobs.completeRound(rec, Instant.now());
      round2 = rec;
    }
    ledger.insert(new StoredLedgerEntry("bank-a", "reuters", 1, "job-p", 1, "subsampled-gaussian", 0.01, 1.1, 1.0, 50,
        "rdp", 2.5, 1e-5, 1L, "00".repeat(32), "11".repeat(32), "{\"signed\":\"line-1\"}", "{\"header\":1}",
        Instant.now()));
    ledger.insert(new StoredLedgerEntry("bank-a", "reuters", 2, "job-p", 2, "subsampled-gaussian", 0.01, 1.1, 1.0, 50,
        "rdp", 3.7, 1e-5, 2L, "11".repeat(32), "22".repeat(32), "{\"signed\":\"line-2\"}", "{\"header\":1}",
        Instant.now()));
    PrivacyAuditStore audits = new PrivacyAuditStore(h2, log, Clock.systemUTC());
    audits.record(new PrivacyAuditStore.Row("job-p", "bank-a", 2, 100, 1000, 500, 290, 0.21, 1e-5, 0.95, 3.7,
        Instant.now()));
    service = new ProvenanceService(jobs, ledger, audits, models, ProvenanceKey.loadOrCreate(dir.resolve("data")),
        dir.resolve("data/provenance"), Clock.systemUTC(), "cohort-coordinator test");
  }

  /** An export folder with two files, signed through the service as the CLI does. */
  private Path signedExport() throws Exception {
    Path out = dir.resolve("export");
    Files.createDirectories(out.resolve("sub"));
    Files.writeString(out.resolve("adapter_config.json"), "{\"r\": 4}\n");
    Files.write(out.resolve("sub/adapter_model.safetensors"), new byte[] {1, 2, 3, 4});
    Map<String, String> files = Map.of(
        "adapter_config.json", Digests.hex(Digests.sha256(out.resolve("adapter_config.json"))),
        "sub/adapter_model.safetensors", Digests.hex(Digests.sha256(out.resolve("sub/adapter_model.safetensors"))));
    ProvenanceService.Signed s = service.sign("job-p", "peft", files, round2.modelSha256(), "token:admin (t1)");
    Files.writeString(out.resolve(ManifestWriter.FILE_NAME), s.manifest());
    Files.writeString(out.resolve(DetachedSignature.FILE_NAME), s.signature());
    return out;
  }

  @Test
  void manifest_statesTheJobRoundsSpendAndFiles_andItsSignatureVerifies() throws Exception {
    Path out = signedExport();
    ExportVerifier.Result r = ExportVerifier.verify(out, Optional.of(service.key().fingerprint()));
    assertThat(r.problems()).isEmpty();
    assertThat(r.filesChecked()).isEqualTo(2);
    assertThat(r.jobId()).isEqualTo("job-p");

    JsonNode m = JSON.readTree(out.resolve(ManifestWriter.FILE_NAME).toFile());
    assertThat(m.path("job").path("spec").path("privacy").path("target_epsilon").asDouble()).isEqualTo(8.0);
    assertThat(m.path("job").path("terms_sha256").asText()).as("issue 21 #4: the terms nodes pinned").hasSize(64);
    assertThat(m.path("base_model").path("sha256").asText()).isEqualTo("ab".repeat(32));
    assertThat(m.path("rounds_completed").asInt()).isEqualTo(2);
    assertThat(m.path("rounds").get(1).path("participants").toString()).isEqualTo("[\"bank-a\",\"bank-b\"]");
    assertThat(m.path("global_model").path("tensor_sha256").asText()).isEqualTo(round2.modelSha256());
    JsonNode spent = m.path("privacy_spent").get(0);
    assertThat(spent.path("node_id").asText()).isEqualTo("bank-a");
    assertThat(spent.path("epsilon").asDouble()).isEqualTo(3.7);
    assertThat(spent.path("delta").asDouble()).isEqualTo(1e-5);
    assertThat(spent.path("accountant").asText()).isEqualTo("rdp");
    assertThat(spent.path("ledger").get(1).path("signed_line").asText()).isEqualTo("{\"signed\":\"line-2\"}");
    JsonNode audit = m.path("privacy_audit").get(0);
    assertThat(audit.path("node_id").asText()).isEqualTo("bank-a");
    assertThat(audit.path("epsilon_lower_bound").asDouble()).isEqualTo(0.21);
    assertThat(audit.path("accounted_epsilon").asDouble()).isEqualTo(3.7);
    assertThat(audit.path("correct").asInt()).isEqualTo(290);
    assertThat(m.path("software").path("nodes").path("bank-b").asText()).isEqualTo("cohort-node 0.8");
    assertThat(m.path("software").path("coordinator").asText()).isEqualTo("cohort-coordinator test");
    assertThat(m.path("export").path("files_hashed_by").asText()).isEqualTo(ExportedFiles.BY_CLIENT);
    assertThat(service.latest("job-p")).isPresent();
    assertThat(jobs.auditEntries(0, 100, "job-p", null)).anyMatch(e -> e.action().equals("job.exported"));
  }

  @Test
  void changingAnExportedFile_failsNamingTheFile() throws Exception {
    Path out = signedExport();
    Files.write(out.resolve("sub/adapter_model.safetensors"), new byte[] {1, 2, 3, 5});
    ExportVerifier.Result r = ExportVerifier.verify(out, Optional.empty());
    assertThat(r.ok()).isFalse();
    assertThat(r.problems()).singleElement().asString().contains("sub/adapter_model.safetensors")
        .contains("changed after export");
  }

  @Test
  void changingTheManifestOrSignature_failsTheSignature() throws Exception {
    Path out = signedExport();
    Path manifest = out.resolve(ManifestWriter.FILE_NAME);
    String original = Files.readString(manifest);
    Files.writeString(manifest, original.replace("\"epsilon\" : 3.7", "\"epsilon\" : 0.7"));
    assertThat(Files.readString(manifest)).isNotEqualTo(original);
    assertThat(ExportVerifier.verify(out, Optional.empty()).problems()).singleElement().asString()
        .contains(ManifestWriter.FILE_NAME).contains("does not verify");

    Files.writeString(manifest, original);
    Path sig = out.resolve(DetachedSignature.FILE_NAME);
    DetachedSignature good = DetachedSignature.parse(Files.readString(sig));
    byte[] flipped = good.signature().clone();
    flipped[0] ^= 1;
    Files.writeString(sig, new DetachedSignature(good.publicKey(), flipped).toJson());
    assertThat(ExportVerifier.verify(out, Optional.empty()).problems()).singleElement().asString()
        .contains("does not verify");
  }

  @Test
  void aSignatureByAnotherKey_failsAgainstThePinnedFingerprint() throws Exception {
    Path out = signedExport();
    ProvenanceKey other = ProvenanceKey.loadOrCreate(dir.resolve("other"));
    byte[] manifest = Files.readAllBytes(out.resolve(ManifestWriter.FILE_NAME));
    Files.writeString(out.resolve(DetachedSignature.FILE_NAME), DetachedSignature.sign(other, manifest).toJson());
    assertThat(ExportVerifier.verify(out, Optional.of(service.key().fingerprint())).problems())
        .anyMatch(p -> p.contains("not by the expected " + service.key().fingerprint()));
  }

  @Test
  void addedOrRemovedFiles_areNamed() throws Exception {
    Path out = signedExport();
    Files.writeString(out.resolve("extra.bin"), "x");
    assertThat(ExportVerifier.verify(out, Optional.empty()).problems()).singleElement().asString()
        .contains("extra.bin").contains("not listed");
    Files.delete(out.resolve("extra.bin"));
    Files.delete(out.resolve("adapter_config.json"));
    assertThat(ExportVerifier.verify(out, Optional.empty()).problems()).singleElement().asString()
        .contains("adapter_config.json").contains("missing");
  }

  @Test
  void bundleExports_areCheckedAgainstTheStoredModelFile() throws Exception {
    String sha = Digests.hex(Digests.sha256(models.file(round2.modelId())));
    assertThatThrownBy(() -> service.sign("job-p", "bundle", Map.of("m.bundle", "cd".repeat(32)), round2.modelSha256(),
        "a")).isInstanceOf(DomainException.class).hasMessageContaining(sha);
    assertThatThrownBy(() -> service.sign("job-p", "peft", Map.of("a", "cd".repeat(32)), "ef".repeat(32), "a"))
        .isInstanceOf(DomainException.class).hasMessageContaining("last completed round 2");
    ProvenanceService.Signed s = service.sign("job-p", "bundle", Map.of("m.bundle", sha), round2.modelSha256(), "a");
    assertThat(JSON.readTree(s.manifest()).path("export").path("files_hashed_by").asText())
        .isEqualTo(ExportedFiles.BY_COORDINATOR);
  }

  @Test
  void theSigningKey_isCreatedOnce_withMode0600() throws Exception {
    Path keyFile = dir.resolve("data").resolve(ProvenanceKey.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    assertThat(ProvenanceKey.loadOrCreate(dir.resolve("data")).fingerprint()).isEqualTo(service.key().fingerprint());
    assertThat(service.key().toString()).doesNotContain(Digests.hex(Files.readAllBytes(keyFile)).substring(0, 40));
  }
}
