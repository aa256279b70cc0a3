package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import io.cohort.proto.v1.AbandonTaskRequest;
import io.cohort.proto.v1.CategoricalColumn;
import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.DpOptimizer;
import io.cohort.proto.v1.JobOffer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.proto.v1.SecAggPeer;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecureAggregationSpec;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TrainTask;
import io.cohort.proto.v1.TrainingConfig;
import io.cohort.wire.JobTerms;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 #7: a coordinator that turned malicious, against a real node process over real
 * mutual-TLS sockets. The coordinator here ({@link ScriptedCoordinator}) holds a valid server
 * certificate of the federation and even the CA key (as today's all-in-one coordinator does), and
 * tries, one after the other on one node process: a Sybil certified by another CA, a wrong peer key
 * relayed under an honest peer's certificate, every honest peer dropped and the round filled with
 * validly certified strangers outside the node's roster, a secure job's round sent without secure
 * aggregation, σ changed in round 3, and a replayed old task. Each is refused with a message that
 * names it; no masked or unmasked update leaves for a refused round and no ledger entry is written
 * for one. Honest rounds in between show the node is not simply refusing everything.
 */
class MaliciousCoordinatorE2eTest {
  private static final long SEED = 2101;
  @TempDir Path dir;
  private NodeProcess node;
  private ScriptedCoordinator coordinator;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.stop(10);
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void everyAttackIsRefusedByTheNodeItself_withNothingReleasedAndNothingSpent() throws Exception {
    FederationCa ca = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    NodeKey n1Key = NodeKey.loadOrCreate(dir.resolve("n1.identity.key"));
    X509Certificate n1 = issue(ca, "n1", n1Key);
    NodeKey n2Key = NodeKey.loadOrCreate(dir.resolve("n2.identity.key"));
    X509Certificate n2 = issue(ca, "n2", n2Key);
    Files.writeString(dir.resolve("n1.crt"), Pem.certificates(List.of(n1, ca.certificate())));
    Files.writeString(dir.resolve("ca.crt"), Pem.certificates(List.of(ca.certificate())));
    coordinator = new ScriptedCoordinator(ca, dir);
    Path config = Files.writeString(dir.resolve("n1.yaml"), String.join("\n",
        "node_id: n1",
        "coordinator: 127.0.0.1:" + coordinator.port(),
        "max_backoff_seconds: 2",
        "datasets:",
        "  - alias: tab",
        "    path: " + csv(),
        "    format: csv",
        "    epsilon_budget: 100",
        "    delta: 1.0e-5",
        "trust:",
        "  members: [n2]",
        "  min_distinct_members: 1",
        ""));
    node = new NodeProcess("n1", config, dir.resolve("n1.log"));
    node.start();
    await("the node registers over mutual TLS", () -> coordinator.registered.contains("n1"));

    JobSpec terms = spec("job-terms", 3).build();
    JobSpec secure = spec("job-secure", 1).setSecureAggregation(SecureAggregationSpec.newBuilder().setEnabled(true)
        .setClip(0.5).setBits(16).setMaxExamples(1000)).build();
    coordinator.tasks.add(stamped(Task.newBuilder().setTaskId("offer-terms").setJobId("job-terms")
        .setOffer(JobOffer.newBuilder().setSpec(terms))));
    coordinator.tasks.add(stamped(Task.newBuilder().setTaskId("offer-secure").setJobId("job-secure")
        .setOffer(JobOffer.newBuilder().setSpec(secure))));
    await("two answers", () -> coordinator.answers.size() == 2);
    assertThat(coordinator.answers).allSatisfy(a -> assertThat(a.getAccept()).as(a.getDeclineReason()).isTrue());

    // Secure job: four attacks, each refused before any key agreement (and before training).
    FederationCa rogue = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    NodeKey sybilKey = NodeKey.loadOrCreate(dir.resolve("sybil.identity.key"));
    X509Certificate sybilFromRogue = issue(rogue, "sybil-1", sybilKey);
    NodeKey s2Key = NodeKey.loadOrCreate(dir.resolve("s2.identity.key"));
    NodeKey s3Key = NodeKey.loadOrCreate(dir.resolve("s3.identity.key"));
    SecAggPeer self = peer(1, "n1", n1Key, n1);
    coordinator.tasks.add(secureRound(secure, "sybil", List.of(self, peer(2, "n2", n2Key, n2),
        peer(3, "sybil-1", sybilKey, sybilFromRogue))));
    coordinator.tasks.add(secureRound(secure, "wrong-key", List.of(self, peer(2, "n2", sybilKey, n2))));
    // The coordinator drops n2 and fills the round with strangers it certified with the federation CA it holds.
    coordinator.tasks.add(secureRound(secure, "sybil-fill", List.of(self, peer(2, "s2", s2Key, issue(ca, "s2", s2Key)),
        peer(3, "s3", s3Key, issue(ca, "s3", s3Key)))));
    coordinator.tasks.add(stamped(Task.newBuilder().setTaskId("unmasked").setJobId("job-secure")
        .setTrain(TrainTask.newBuilder().setSpec(secure).setRound(1).setDeadlineUnixMs(farFuture()))));
    await("four refusals", () -> coordinator.refusals.size() == 4);
    assertThat(reason("sybil")).contains("peer 'sybil-1' (protocol id 3)").contains("not signed by this federation's CA");
    assertThat(reason("wrong-key")).contains("peer 'n2' (protocol id 2)")
        .contains("not the key its certificate certifies");
    assertThat(reason("sybil-fill")).contains("only 0 of the round's 2 other participants are distinct pinned members")
        .contains("trust.min_distinct_members = 1");
    assertThat(reason("unmasked")).contains("accepted with secure aggregation").contains("unmasked");

    // Terms: two honest rounds, then sigma changed in round 3, then round 1's task replayed.
    coordinator.tasks.add(plainRound(terms, 1, "terms-r1"));
    coordinator.tasks.add(plainRound(terms, 2, "terms-r2"));
    await("two honest updates", () -> coordinator.updates.get() == 2);
    JobSpec lessNoise = terms.toBuilder().setPrivacy(terms.getPrivacy().toBuilder().setTargetEpsilon(0)
        .setNoiseMultiplier(0.3)).build();
    coordinator.tasks.add(plainRound(lessNoise, 3, "terms-r3-changed"));
    coordinator.tasks.add(plainRound(terms, 1, "terms-r1"));
    await("two more refusals", () -> coordinator.refusals.size() == 6);
    assertThat(reason("terms-r3-changed")).contains("job terms changed")
        .contains("privacy.noise_multiplier: 0.0 → 0.3").contains("refused, nothing trained or sent");
    assertThat(reason("terms-r1")).contains("replayed task");

    // Nothing of a refused round left the node: two plain updates (the honest rounds), no secure-aggregation
    // message, and the ledger holds exactly the two honest rounds, each naming the accepted terms.
    assertThat(coordinator.updates.get()).isEqualTo(2);
    assertThat(coordinator.secAggMessages.get()).isZero();
    String acceptedHash = JobTerms.sha256Hex(terms);
    assertThat(coordinator.ledgerEntries).hasSize(2).allSatisfy(e -> {
      assertThat(e.getJobId()).isEqualTo("job-terms");
      assertThat(e.getJobTermsSha256()).isEqualTo(acceptedHash);
    });
    List<String> entries = Files.readAllLines(dir.resolve("n1.tab.ledger"), StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("entry\t")).toList();
    assertThat(entries).as("the node's own ledger").hasSize(2)
        .allSatisfy(l -> assertThat(l).contains("\tjob=job-terms\t").contains("\tterms=" + acceptedHash));
    assertThat(Files.readString(node.log())).contains("job terms changed").contains("peer 'sybil-1'");

    // Control: with its pinned member and valid certificates the node goes past the peer checks (and asks
    // for the round's global model, which this coordinator does not serve).
    coordinator.tasks.add(secureRound(secure, "honest", List.of(self, peer(2, "n2", n2Key, n2))));
    await("the honest round's model download", () -> !coordinator.downloads.isEmpty());
    assertThat(coordinator.secAggMessages.get()).isZero();
  }

  private String reason(String taskId) {
    return coordinator.refusals.stream().filter(r -> r.getTaskId().equals(taskId)).reduce((a, b) -> b)
        .map(AbandonTaskRequest::getReason).orElseThrow(() -> new AssertionError("no refusal of task " + taskId
            + "; refusals: " + coordinator.refusals.stream().map(r -> r.getTaskId() + ": " + r.getReason()).toList()));
  }

  private void await(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline || !node.isAlive()) {
        throw new AssertionError("timed out waiting for " + what + " (seed " + SEED + "); refusals: "
            + coordinator.refusals.stream().map(r -> r.getTaskId() + ": " + r.getReason()).toList() + "\nnode log:\n"
            + Files.readString(node.log()));
      }
      Thread.sleep(50);
    }
  }

  private static X509Certificate issue(FederationCa ca, String nodeId, NodeKey key) throws Exception {
    return ca.issueNode(CertificationRequest.create(nodeId, key), nodeId, Duration.ofDays(1));
  }

  private static SecAggPeer peer(int id, String nodeId, NodeKey key, X509Certificate cert) throws Exception {
    return SecAggPeer.newBuilder().setSecaggId(id).setNodeId(nodeId)
        .setIdentityKeyEd25519(ByteString.copyFrom(key.publicKey().raw()))
        .setCertificateDer(ByteString.copyFrom(cert.getEncoded())).build();
  }

  private static long farFuture() {
    return System.currentTimeMillis() + 600_000;
  }

  /** A task as a coordinator sends it: stamped with the canonical hash of the spec it carries. */
  private static Task stamped(Task.Builder t) {
    return JobTerms.stamped(t.build());
  }

  private static Task plainRound(JobSpec spec, int round, String taskId) {
    return stamped(Task.newBuilder().setTaskId(taskId).setJobId(spec.getJobId())
        .setTrain(TrainTask.newBuilder().setSpec(spec).setRound(round).setDeadlineUnixMs(farFuture())));
  }

  private static Task secureRound(JobSpec spec, String taskId, List<SecAggPeer> peers) {
    SecAggRound info = SecAggRound.newBuilder().setSecaggId(1).addAllPeers(peers).setThreshold(2)
        .setMinCohortSize(2).setBits(16).setClip(0.5).setMaxExamples(1000).setVectorLength(32).build();
    return stamped(Task.newBuilder().setTaskId(taskId).setJobId(spec.getJobId())
        .setTrain(TrainTask.newBuilder().setSpec(spec).setRound(1).setModelId("m-1")
            .setModelSha256(ByteString.copyFrom(new byte[32])).setDeadlineUnixMs(farFuture())
            .setSecureAggregation(info)));
  }

  /** A private tabular job on dataset "tab": 10 DP-SGD steps a round at q 0.1, target epsilon 2. */
  private static JobSpec.Builder spec(String jobId, int rounds) {
    return JobSpec.newBuilder().setJobId(jobId).setName(jobId).setTask(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION)
        .setDatasetAlias("tab").setRounds(rounds).setMinNodes(1).setSeed(SEED).setRoundTimeoutMs(60_000)
        .setTabular(TabularSpec.newBuilder().setLabelColumn("y").addClasses("no").addClasses("yes")
            .addNumericColumns("x").addCategoricalColumns(CategoricalColumn.newBuilder().setName("c")
                .addCategories("a").addCategories("b"))
            .addHiddenUnits(4))
        .setTraining(TrainingConfig.newBuilder().setLocalEpochs(1).setBatchSize(8).setLearningRate(0.01)
            .setValidationFraction(0.25))
        .setPrivacy(PrivacySpec.newBuilder().setEnabled(true).setTargetEpsilon(2).setDelta(1e-5).setClipNorm(1.0)
            .setSamplingRate(0.1).setLocalSteps(10).setAccountant(DpAccountant.DP_ACCOUNTANT_RDP)
            .setOptimizer(DpOptimizer.DP_OPTIMIZER_ADAM));
  }

  /** 80 seeded rows of x (numeric), c (a|b) and y = x > 0. */
  private Path csv() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    StringBuilder sb = new StringBuilder("x,c,y\n");
    for (int i = 0; i < 80; i++) {
      double x = r.nextGaussian();
      sb.append(x).append(',').append(r.nextBoolean() ? "a" : "b").append(',').append(x > 0 ? "yes" : "no").append('\n');
    }
    return Files.writeString(dir.resolve("tab.csv"), sb);
  }
}
