package io.cohort.coordinator.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.round.NodeIdentities;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.ModelReceiptStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.provenance.ModelReceipt;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.SignedModelReceipt;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.JobTerms;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 #6: nodes co-sign each round's received global model; the coordinator checks and keeps
 * the receipts (real H2 store, real migrations), the manifest carries them, and the export verifier
 * checks every one against the federation CA: a tampered model hash, a signature by a non-member,
 * a missing signature and a revoked signer each fail, named by round and node.
 */
class NodeCoSignatureTest {
  private static final String JOB = "job-c";
  @TempDir Path dir;
  private FederationCa ca;
  private final Map<String, IdentityKeyPair> keys = new HashMap<>();
  private final Map<String, X509Certificate> certs = new HashMap<>();
  private final NodeIdentities identities = new NodeIdentities();
  private JobSpec spec;
  private ModelReceiptStore receipts;
  private ModelReceiptIntake intake;
  private ProvenanceService service;
  private final Map<Integer, String> modelOfRound = new HashMap<>();
  private byte[] crl = new byte[0];

  @BeforeEach
  void setUp() throws Exception {
    ca = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    for (String id : List.of("bank-a", "bank-b")) {
      Path file = dir.resolve(id + ".key");
      NodeKey k = NodeKey.loadOrCreate(file);
      keys.put(id, IdentityKeyPair.loadOrCreate(file));
      certs.put(id, ca.issueNode(CertificationRequest.create(id, k), id, Duration.ofDays(1)));
      identities.recordCertified(id, k.publicKey().raw(), certs.get(id).getEncoded());
    }
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:cosign-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure().dataSource(h2).locations("classpath:db/migration").load().migrate();
    AuditLog log = new AuditLog(dir.resolve("audit.head"));
    JobStore jobs = new JobStore(h2, log, Clock.systemUTC());
    ModelStore models = new ModelStore(dir.resolve("models"), 1 << 20);
    spec = JobSpec.newBuilder().setJobId(JOB).setName("cosigned").setTask(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION)
        .setDatasetAlias("credit").setRounds(2).setMinNodes(2).setSeed(7).build();
    jobs.createJob(spec, "token:admin (t1)", Instant.now());
    receipts = new ModelReceiptStore(h2);
    intake = new ModelReceiptIntake(receipts, identities, Clock.systemUTC());
    modelOfRound.put(0, "");
    for (int r = 1; r <= 2; r++) {
      var stored = models.write(JOB, r, new TensorBundle(List.of(new Tensor("w", new long[] {2}, new float[] {r, 1}))));
      modelOfRound.put(r, stored.sha256Hex());
      jobs.completeRound(new RoundRecord(JOB, r, 1, List.of("bank-a", "bank-b"), List.of("bank-a", "bank-b"), 100,
          stored.modelId(), stored.sha256Hex(), Instant.now(), Instant.now(), null), Instant.now());
    }
    service = new ProvenanceService(jobs, new LedgerEntryStore(h2), models,
        ProvenanceKey.loadOrCreate(dir.resolve("data")), dir.resolve("data/provenance"), Clock.systemUTC(), "test")
        .withModelReceipts(receipts, () -> crl);
  }

  /** What an honest node sends with its update of {@code round}: its receipt of the previous round's model. */
  private SignedModelReceipt signed(String node, int round, String model) {
    ModelReceipt r = new ModelReceipt(JOB, JobTerms.sha256Hex(spec), round, model);
    return SignedModelReceipt.newBuilder().setJobTermsSha256(r.termsSha256())
        .setModelSha256(ByteString.copyFrom(HexFormat.of().parseHex(model)))
        .setSignature(ByteString.copyFrom(r.sign(keys.get(node)))).build();
  }

  private void honestRound(int round, String... nodes) {
    byte[] sent = HexFormat.of().parseHex(modelOfRound.get(round - 1));
    for (String n : nodes) {
      intake.accept(n, spec, round, Optional.of(sent), signed(n, round, modelOfRound.get(round - 1)));
    }
  }

  private ExportVerifier.Result export(Optional<ExportVerifier.NodeTrust> trust) throws Exception {
    Path out = dir.resolve("export-" + System.nanoTime());
    Files.createDirectories(out);
    Files.writeString(out.resolve("model.txt"), "m\n");
    var s = service.sign(JOB, "peft", Map.of("model.txt", io.cohort.crypto.Digests.sha256Hex("m\n".getBytes())),
        modelOfRound.get(2), "token:admin (t1)");
    Files.writeString(out.resolve(ManifestWriter.FILE_NAME), s.manifest());
    Files.writeString(out.resolve(DetachedSignature.FILE_NAME), s.signature());
    return ExportVerifier.verify(out, Optional.of(service.key().fingerprint()), trust);
  }

  private Optional<ExportVerifier.NodeTrust> federationCa() {
    return Optional.of(new ExportVerifier.NodeTrust(ca.certificate(), Optional.empty()));
  }

  @Test
  void everyContributorCoSignsEveryRound_andTheExportVerifiesAgainstTheCa() throws Exception {
    honestRound(1, "bank-a", "bank-b");
    honestRound(2, "bank-a", "bank-b");
    ExportVerifier.Result r = export(federationCa());
    assertThat(r.problems()).isEmpty();
    assertThat(r.nodeSignatures()).isEqualTo(4);
  }

  @Test
  void missingSignature_isNamedByRoundAndNode() throws Exception {
    honestRound(1, "bank-a", "bank-b");
    honestRound(2, "bank-a");
    assertThat(export(federationCa()).problems()).singleElement().asString()
        .contains("round 2, node 'bank-b'").contains("no signature by this contributing node");
    assertThat(export(Optional.empty()).problems()).as("without a CA only the coordinator's signature is checked")
        .isEmpty();
  }

  @Test
  void coordinatorRefusesAReceiptOfAnotherModelOrWithABadSignature() {
    byte[] sent = HexFormat.of().parseHex(modelOfRound.get(1));
    assertThatThrownBy(() -> intake.accept("bank-a", spec, 2, Optional.of(sent), signed("bank-a", 2, "ee".repeat(32))))
        .isInstanceOf(DomainException.class).hasMessageContaining("model_receipt.model_sha256");
    assertThatThrownBy(() -> intake.accept("bank-a", spec, 2, Optional.of(sent), signed("bank-b", 2, modelOfRound.get(1))))
        .isInstanceOf(DomainException.class).hasMessageContaining("does not verify under node 'bank-a'");
    assertThatThrownBy(() -> intake.accept("bank-a", spec, 2, Optional.empty(), signed("bank-a", 2, modelOfRound.get(1))))
        .isInstanceOf(DomainException.class).hasMessageContaining("not open");
    assertThat(receipts.byJob(JOB)).isEmpty();
  }

  @Test
  void tamperedModelHash_failsTheSignatureAndTheChain() throws Exception {
    honestRound(1, "bank-a", "bank-b");
    honestRound(2, "bank-a");
    // A coordinator that stored bank-b's genuine signature but states another received model.
    ModelReceiptStore.Row genuine = new ModelReceiptStore.Row(JOB, 2, "bank-b", JobTerms.sha256Hex(spec),
        "ee".repeat(32), signed("bank-b", 2, modelOfRound.get(1)).getSignature().toByteArray(),
        certs.get("bank-b").getEncoded(), Instant.now());
    receipts.record(genuine);
    assertThat(export(federationCa()).problems()).singleElement().asString()
        .contains("round 2, node 'bank-b'").contains("does not verify under its certified key");
    // A coordinator that sent bank-b another model in round 2, which bank-b signed truthfully.
    receipts.record(new ModelReceiptStore.Row(JOB, 2, "bank-b", JobTerms.sha256Hex(spec), "ee".repeat(32),
        signed("bank-b", 2, "ee".repeat(32)).getSignature().toByteArray(), certs.get("bank-b").getEncoded(),
        Instant.now()));
    assertThat(export(federationCa()).problems()).hasSize(2)
        .anySatisfy(p -> assertThat(p).contains("round 2, node 'bank-b'").contains("another contributor of the round"))
        .anySatisfy(p -> assertThat(p).contains("round 2, node 'bank-b'").contains("the manifest says round 1 produced"));
  }

  @Test
  void signatureByANonMember_isRefused() throws Exception {
    honestRound(1, "bank-a", "bank-b");
    honestRound(2, "bank-a");
    // A Sybil the coordinator certified itself, under bank-b's name, with its own CA.
    FederationCa rogue = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    Path file = dir.resolve("sybil.key");
    X509Certificate forged = rogue.issueNode(CertificationRequest.create("bank-b", NodeKey.loadOrCreate(file)), "bank-b",
        Duration.ofDays(1));
    ModelReceipt r = new ModelReceipt(JOB, JobTerms.sha256Hex(spec), 2, modelOfRound.get(1));
    receipts.record(new ModelReceiptStore.Row(JOB, 2, "bank-b", r.termsSha256(), r.modelSha256(),
        r.sign(IdentityKeyPair.loadOrCreate(file)), forged.getEncoded(), Instant.now()));
    assertThat(export(federationCa()).problems()).singleElement().asString()
        .contains("round 2, node 'bank-b'").contains("not signed by this federation's CA");
    // A genuine member's certificate on another member's row.
    receipts.record(new ModelReceiptStore.Row(JOB, 2, "bank-b", r.termsSha256(), r.modelSha256(),
        r.sign(keys.get("bank-a")), certs.get("bank-a").getEncoded(), Instant.now()));
    assertThat(export(federationCa()).problems()).singleElement().asString()
        .contains("signed with the certificate of node 'bank-a'");
  }

  @Test
  void revokedSigner_isRefused_onTheCrlTheManifestCarries() throws Exception {
    honestRound(1, "bank-a", "bank-b");
    honestRound(2, "bank-a", "bank-b");
    crl = ca.revocationList(List.of(certs.get("bank-b").getSerialNumber()), BigInteger.ONE, Duration.ofDays(1)).der();
    assertThat(export(federationCa()).problems()).hasSize(2).allSatisfy(p -> assertThat(p).contains("node 'bank-b'")
        .contains("is revoked"));
  }
}
