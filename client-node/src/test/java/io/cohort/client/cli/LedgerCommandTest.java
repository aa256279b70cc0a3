package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.config.NodeConfigLoader;
import io.cohort.client.privacy.PrivacyGuard;
import io.cohort.client.privacy.PrivateJobs;
import io.cohort.client.runtime.CoordinatorClient;
import io.cohort.client.runtime.UploadLog;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PushEvaluationRequest;
import io.cohort.proto.v1.PushEvaluationResponse;
import io.cohort.proto.v1.PushLedgerEntriesRequest;
import io.cohort.proto.v1.PushLedgerEntriesResponse;
import io.cohort.proto.v1.PushSecAggRequest;
import io.cohort.proto.v1.PushSecAggResponse;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.PushUpdateResponse;
import io.cohort.proto.v1.SecAggStage;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cohort-node ledger} and {@code status}'s budgets: uploads made through the real
 * {@link CoordinatorClient} over in-process gRPC appear in the node's upload log with exactly the
 * bytes the coordinator received, next to the spend the signed ledger records for the round.
 */
class LedgerCommandTest {
  private static final long SEED = 20261129;
  @TempDir Path dir;
  private Server server;
  private ManagedChannel channel;

  /** Receives uploads and records each call's total serialized bytes, in call order. */
  static final class Receiver implements NodeServiceGrpc.AsyncService {
    final List<Long> bytesPerCall = new CopyOnWriteArrayList<>();

    private <Q extends com.google.protobuf.MessageLite, R> StreamObserver<Q> stream(StreamObserver<R> out, R answer) {
      return new StreamObserver<>() {
        long bytes;

        @Override
        public void onNext(Q value) {
          bytes += value.getSerializedSize();
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          bytesPerCall.add(bytes);
          out.onNext(answer);
          out.onCompleted();
        }
      };
    }

    @Override
    public StreamObserver<PushUpdateRequest> pushUpdate(StreamObserver<PushUpdateResponse> out) {
      return stream(out, PushUpdateResponse.getDefaultInstance());
    }

    @Override
    public StreamObserver<PushSecAggRequest> pushSecAgg(StreamObserver<PushSecAggResponse> out) {
      return stream(out, PushSecAggResponse.getDefaultInstance());
    }

    @Override
    public void pushEvaluation(PushEvaluationRequest req, StreamObserver<PushEvaluationResponse> out) {
      bytesPerCall.add((long) req.getSerializedSize());
      out.onNext(PushEvaluationResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void pushLedgerEntries(PushLedgerEntriesRequest req, StreamObserver<PushLedgerEntriesResponse> out) {
      bytesPerCall.add((long) req.getSerializedSize());
      out.onNext(PushLedgerEntriesResponse.newBuilder().setStored(req.getEntriesCount()).build());
      out.onCompleted();
    }
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Path nodeYaml() throws Exception {
    PrivateJobs.csv(dir, 5);
    return Files.writeString(dir.resolve("node.yaml"), """
        node_id: n1
        coordinator: 127.0.0.1:1
        plaintext: true
        datasets:
          - alias: tab
            path: tab.csv
            epsilon_budget: 5
            delta: 1.0e-5
        """);
  }

  private static String run(int expectedCode, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = NodeMain.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute(args)).as(out + "\n" + err).isEqualTo(expectedCode);
    return out.toString();
  }

  @Test
  void everyUploadIsLoggedWithTheBytesTheCoordinatorReceived_andTheRoundsSpend() throws Exception {
    Path yaml = nodeYaml();
    NodeConfig cfg = NodeConfigLoader.load(yaml);
    JobSpec job = PrivateJobs.spec("job-b", 4, 2);
    double spent;
    try (PrivacyGuard g = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()))) {
      g.record(g.admit(job, 1, 60).orElseThrow());
      spent = g.spentEpsilon("tab");
    }
    assertThat(run(0, "ledger", "--config", yaml.toString())).contains("nothing has left this node");

    Receiver receiver = new Receiver();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(NodeServiceGrpc.bindService(receiver)).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    CoordinatorClient client = new CoordinatorClient(channel, Duration.ofSeconds(30), 1L << 30);
    client.setUploadLog(new UploadLog(UploadLog.pathFor(cfg), Clock.systemUTC()));

    Random random = new Random(SEED);
    float[] weights = new float[300_000]; // 1.2 MB: more than one chunk
    for (int i = 0; i < weights.length; i++) {
      weights[i] = random.nextFloat();
    }
    TensorBundle update = new TensorBundle(List.of(new Tensor("w", new long[] {weights.length}, weights)));
    client.pushUpdate("job-b", "task-1", 1, 60, update, Map.of("train_loss", 0.5), Duration.ofSeconds(30));
    byte[] masked = new byte[(3 << 20) / 2];
    random.nextBytes(masked);
    client.pushSecAgg("job-b", "task-2", 1, SecAggStage.SEC_AGG_STAGE_MASKED_INPUT, masked, Duration.ofSeconds(30));
    client.pushEvaluation("job-b", "task-3", 1, EvaluationResult.newBuilder().setNumExamples(12).setLossSum(3.5).build());
    client.pushUpdate("job-c", "task-4", 0, 1, update, Map.of(), Duration.ofSeconds(30));

    String out = run(0, "ledger", "--config", yaml.toString(), "--output", "json");
    JsonNode uploads = JsonMapper.builder().build().readTree(out).path("uploads");
    assertThat(uploads).as(out).hasSize(4);
    List<String> kinds = List.of("update", "masked_input", "evaluation", "initial_model");
    for (int i = 0; i < 4; i++) {
      JsonNode u = uploads.get(i);
      assertThat(u.path("kind").asText()).isEqualTo(kinds.get(i));
      assertThat(u.path("bytes").asLong()).as("bytes of upload %d (seed %d)", i, SEED)
          .isEqualTo(receiver.bytesPerCall.get(i));
      assertThat(u.path("outcome").asText()).isEqualTo("ok");
    }
    assertThat(uploads.get(0).path("bytes").asLong()).isGreaterThan(weights.length * 4L);
    assertThat(uploads.get(1).path("bytes").asLong()).isGreaterThan(masked.length);
    assertThat(uploads.get(1).path("detail").asText()).isEqualTo("SEC_AGG_STAGE_MASKED_INPUT");
    // The signed ledger's spend of job-b round 1 is shown beside every upload of that round.
    for (int i = 0; i < 3; i++) {
      JsonNode p = uploads.get(i).path("privacy_spend");
      assertThat(p).hasSize(1);
      assertThat(p.get(0).path("dataset").asText()).isEqualTo("tab");
      assertThat(p.get(0).path("epsilon_after").asDouble()).isEqualTo(spent);
      assertThat(p.get(0).path("epsilon_round").asDouble()).isEqualTo(spent);
      // Issue 19: what the epsilon protects, and which mechanism spent it.
      assertThat(p.get(0).path("unit").asText()).isEqualTo("record");
      assertThat(p.get(0).path("mechanism").asText()).isEqualTo("poisson-gaussian");
      assertThat(p.get(0).path("steps").asLong()).as("the DP plan behind the spend").isPositive();
      assertThat(p.get(0).path("noise_multiplier").asDouble()).isPositive();
    }
    assertThat(uploads.get(3).path("privacy_spend")).isEmpty();

    JsonNode onlyC = JsonMapper.builder().build()
        .readTree(run(0, "ledger", "--config", yaml.toString(), "--job", "job-c", "--output", "json"));
    assertThat(onlyC.path("uploads")).hasSize(1);
    assertThat(onlyC.path("total_bytes").asLong()).isEqualTo(receiver.bytesPerCall.get(3));
    String text = run(0, "ledger", "--config", yaml.toString());
    assertThat(text).contains("masked_input").contains("4 uploads")
        .contains(String.format(java.util.Locale.ROOT, "tab: +%.4f -> epsilon %.4f per record (training; q ", spent,
            spent))
        .contains(" steps)");
    assertThat(run(2, "ledger", "--config", yaml.toString(), "--output", "xml")).isEmpty();
  }

  @Test
  void statusShowsTheBudgetAndWhatTheSignedLedgerSaysRemains() throws Exception {
    Path yaml = nodeYaml();
    NodeConfig cfg = NodeConfigLoader.load(yaml);
    Function<NodeConfig, String> line = c -> {
      try {
        return StatusCommand.budgetLine(DatasetBudgets.read(c).get(0));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    assertThat(line.apply(cfg)).contains("epsilon budget 5.0 at delta 1.0E-5 (rdp), spent 0.0000, reserved 0.0000 (0 accepted jobs),"
        + " remaining 5.0000")
        .contains("no ledger yet");
    double spent;
    try (PrivacyGuard g = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()))) {
      g.record(g.admit(PrivateJobs.spec("job-b", 4, 2), 1, 60).orElseThrow());
      spent = g.spentEpsilon("tab");
    }
    assertThat(spent).isPositive();
    assertThat(line.apply(cfg)).contains(String.format(java.util.Locale.ROOT, "spent %.4f, reserved 0.0000 (0"
        + " accepted jobs), remaining %.4f; 1 ledger entries, verified", spent, 5 - spent));
    Path ledger = cfg.datasets().get(0).budget().orElseThrow().ledgerPath();
    Files.writeString(ledger, Files.readString(ledger).replace("round=1", "round=2"));
    assertThat(line.apply(cfg)).contains("LEDGER DOES NOT VERIFY");
  }

  // Issue 22 #1: a cut ledger made status say "verified" with a lower spend and exit 0.
  @Test
  void statusShowsARolledBackLedger_andExits1() throws Exception {
    Path yaml = nodeYaml();
    NodeConfig cfg = NodeConfigLoader.load(yaml);
    try (PrivacyGuard g = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()))) {
      JobSpec job = PrivateJobs.spec("job-b", 4, 3);
      for (int round = 1; round <= 3; round++) {
        g.record(g.admit(job, round, 60).orElseThrow());
      }
    }
    Path ledger = cfg.datasets().get(0).budget().orElseThrow().ledgerPath();
    java.util.List<String> lines = Files.readAllLines(ledger);
    Files.write(ledger, lines.subList(0, 2)); // header and entry 1: still a verifying file
    DatasetBudgets.DatasetBudget b = DatasetBudgets.read(cfg).get(0);
    assertThat(b.verifies()).isTrue();
    assertThat(b.sound()).isFalse();
    assertThat(StatusCommand.budgetLine(b)).contains("LEDGER ROLLED BACK")
        .contains("has 1 entries but its anchor records 3").doesNotContain("verified");
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      run(1, "status", "--config", yaml.toString());
    } finally {
      System.setOut(old);
    }
    assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("LEDGER ROLLED BACK");
    assertThat(run(1, "privacy", "budget", "--config", yaml.toString())).contains("ROLLED BACK");
    run(1, "ledger", "--config", yaml.toString());
  }

  // Issue 22 #2: status shows what accepted jobs reserved beside what was spent.
  @Test
  void statusShowsReservedBesideSpent() throws Exception {
    Path yaml = nodeYaml();
    NodeConfig cfg = NodeConfigLoader.load(yaml);
    try (PrivacyGuard g = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()))) {
      assertThat(g.acceptOffer(PrivateJobs.spec("job-r", 2, 2), 60)).isEmpty();
    }
    DatasetBudgets.DatasetBudget b = DatasetBudgets.read(cfg).get(0);
    assertThat(b.reservedEpsilon()).isGreaterThan(1.5).isLessThanOrEqualTo(2.0);
    assertThat(StatusCommand.budgetLine(b)).contains(String.format(java.util.Locale.ROOT,
        "spent 0.0000, reserved %.4f (1 accepted jobs), remaining %.4f", b.reservedEpsilon(), 5 - b.reservedEpsilon()));
    assertThat(run(0, "ledger", "--config", yaml.toString())).contains(String.format(java.util.Locale.ROOT,
        "dataset tab: budget epsilon 5.0, spent 0.0000, reserved %.4f (1 accepted jobs)", b.reservedEpsilon()));
    JsonNode json = JsonMapper.builder().build().readTree(run(0, "ledger", "--config", yaml.toString(), "--output",
        "json"));
    assertThat(json.path("datasets").get(0).path("reserved_epsilon").asDouble()).isEqualTo(b.reservedEpsilon());
    assertThat(json.path("datasets").get(0).path("spent_epsilon").asDouble()).isZero();
  }
}
