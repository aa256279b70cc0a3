package io.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.app.JobService;
import io.cohort.coordinator.ledger.LedgerIntake;
import io.cohort.coordinator.rest.PrivacyResource;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.StoredLedgerEntry;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Spend;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.DeclaredBudget;
import io.cohort.proto.v1.LedgerEntry;
import io.cohort.proto.v1.NodePublicKeys;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PushLedgerEntriesRequest;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.SessionRef;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ledger entries reported over a real socket are verified against the reporting node's registered
 * identity key before they are stored, and stay verifiable from the store.
 */
@QuarkusTest
class LedgerEntriesGrpcTest {
  private static final HexFormat HEX = HexFormat.of();
  @ConfigProperty(name = "quarkus.grpc.server.test-port") int port;
  @Inject JobService jobs;
  @Inject LedgerEntryStore ledgerStore;
  @Inject PrivacyResource privacyApi;

  private ManagedChannel channel;
  private NodeServiceGrpc.NodeServiceBlockingStub stub;

  @BeforeEach
  void connect() {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    stub = NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private SessionRef register(String nodeId, IdentityKeyPair key) {
    String session = stub.register(RegisterRequest.newBuilder().setNodeId(nodeId).setSoftwareVersion("test")
        .setPublicKeys(NodePublicKeys.newBuilder()
            .setIdentityKeyEd25519(ByteString.copyFrom(key.publicKey().raw()))).build()).getSessionId();
    return SessionRef.newBuilder().setNodeId(nodeId).setSessionId(session).build();
  }

  /** The wire form, as the node builds it (client-node's LedgerProtos; the coordinator cannot depend on it). */
  private static LedgerEntry wire(String nodeId, PrivacyLedger l, VerifiedLedgerEntry e) {
    String line = l.signedLine(e.seq());
    String sig = line.substring(line.lastIndexOf("\tsig=") + 5);
    String prev = line.substring(line.indexOf("\tprev=") + 6, line.lastIndexOf("\tsig="));
    return LedgerEntry.newBuilder().setNodeId(nodeId).setDatasetAlias("credit")
        .setJobId(e.spend().jobId()).setRound((int) e.spend().round()).setMechanism(Spend.MECHANISM)
        .setSamplingRate(e.spend().segment().samplingProbability())
        .setNoiseMultiplier(e.spend().segment().noiseMultiplier()).setClipNorm(e.spend().clipNorm())
        .setSteps(e.spend().segment().steps()).setAccountant(e.accountant()).setEpsilonAfter(e.epsilonAfter())
        .setDelta(l.delta()).setTimestampUnixMs(e.timestampMillis())
        .setPreviousHash(ByteString.copyFrom(HEX.parseHex(prev))).setSignature(ByteString.copyFrom(HEX.parseHex(sig)))
        .setSeq(e.seq()).setSignedLine(line).setLedgerHeader(l.headerLine()).build();
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void signedEntries_areVerifiedStoredOnceAndStayVerifiable() throws Exception {
    String jobId = jobs.submit(Files.readString(Path.of("../examples/credit/job-dp.yaml")), "job-dp.yaml").getJobId();
    IdentityKeyPair key = IdentityKeyPair.generate();
    SessionRef s = register("ledger-node", key);
    Path dir = Files.createTempDirectory("ledger-test");
    List<LedgerEntry> wire;
    try (PrivacyLedger l = PrivacyLedger.open(dir.resolve("credit.ledger"), "credit", key, RdpAccountant.create(),
        8, 1e-5)) {
      VerifiedLedgerEntry e1 = l.record(Spend.of(jobId, 1, 0.08, 1.3, 1.0, 25));
      VerifiedLedgerEntry e2 = l.record(Spend.of(jobId, 2, 0.08, 1.3, 1.0, 25));
      wire = List.of(wire("ledger-node", l, e1), wire("ledger-node", l, e2));
    }
    PushLedgerEntriesRequest req = PushLedgerEntriesRequest.newBuilder().setSession(s).setJobId(jobId)
        .addAllEntries(wire).build();
    assertThat(stub.pushLedgerEntries(req).getStored()).isEqualTo(2);
    assertThat(stub.pushLedgerEntries(req).getStored()).as("a repeat is a no-op").isZero();

    List<StoredLedgerEntry> stored = ledgerStore.byNodeAndDataset("ledger-node", "credit");
    assertThat(stored).extracting(StoredLedgerEntry::seq).containsExactly(1L, 2L);
    assertThat(stored.get(1).epsilonAfter()).isEqualTo(wire.get(1).getEpsilonAfter()).isGreaterThan(0);
    assertThat(stored.get(1).previousHash()).isEqualTo(stored.get(0).entryHash());
    assertThat(stored).allSatisfy(e -> assertThat(LedgerIntake.verifyStored(e, key.publicKey())).isTrue());
    assertThat(LedgerIntake.verifyStored(stored.get(0), IdentityKeyPair.generate().publicKey())).isFalse();
    assertThat(ledgerStore.byJob(jobId)).hasSize(2);
    assertThat(ledgerStore.byNode("ledger-node")).hasSize(2);
    // The privacy API (and so the dashboard) reports the same entries with their mechanism parameters.
    var api = privacyApi.show("ledger-node", null).entries();
    assertThat(api).extracting(e -> e.entrySeq()).containsExactly(1L, 2L);
    assertThat(api.get(1).epsilonAfter()).isEqualTo(stored.get(1).epsilonAfter());
    assertThat(api.get(1).samplingRate()).isEqualTo(stored.get(1).samplingRate());
    assertThat(api.get(1).noiseMultiplier()).isEqualTo(stored.get(1).noiseMultiplier());
    assertThat(api.get(1).steps()).isEqualTo(stored.get(1).steps());
    assertThat(api).allSatisfy(e -> assertThat(e.signatureVerified()).isTrue());

    // A field that disagrees with the signed line, e.g. a smaller epsilon, is refused.
    var lowered = wire.get(0).toBuilder().setEpsilonAfter(0.01).build();
    assertThatThrownBy(() -> stub.pushLedgerEntries(req.toBuilder().clearEntries().addEntries(lowered).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("entries[0]").contains("signed line");
        });
    // An entry reported for another job is refused.
    String other = jobs.submit(Files.readString(Path.of("../examples/credit/job-dp.yaml")), "job-dp.yaml").getJobId();
    assertThat(code(() -> stub.pushLedgerEntries(req.toBuilder().setJobId(other).build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> stub.pushLedgerEntries(req.toBuilder().setJobId("no-such-job").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void entriesSignedByAnotherKey_areRefused() throws Exception {
    String jobId = jobs.submit(Files.readString(Path.of("../examples/credit/job-dp.yaml")), "job-dp.yaml").getJobId();
    SessionRef s = register("ledger-node-2", IdentityKeyPair.generate());
    IdentityKeyPair impostor = IdentityKeyPair.generate();
    LedgerEntry forged;
    try (PrivacyLedger l = PrivacyLedger.open(Files.createTempDirectory("ledger-test").resolve("c.ledger"), "credit",
        impostor, RdpAccountant.create(), 8, 1e-5)) {
      forged = wire("ledger-node-2", l, l.record(Spend.of(jobId, 1, 0.08, 1.3, 1.0, 25)));
    }
    assertThatThrownBy(() -> stub.pushLedgerEntries(PushLedgerEntriesRequest.newBuilder().setSession(s)
        .setJobId(jobId).addEntries(forged).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("bad signature");
        });
    assertThat(ledgerStore.byNode("ledger-node-2")).isEmpty();
  }

  @Test
  void budgetsNodesDeclareAtRegistration_areShownBesideTheSignedSpend_andReplacedAtTheNextRegistration()
      throws Exception {
    String jobId = jobs.submit(Files.readString(Path.of("../examples/credit/job-dp.yaml")), "job-dp.yaml").getJobId();
    IdentityKeyPair key = IdentityKeyPair.generate();
    RegisterRequest.Builder reg = RegisterRequest.newBuilder().setNodeId("budget-node").setSoftwareVersion("test")
        .setPublicKeys(NodePublicKeys.newBuilder().setIdentityKeyEd25519(ByteString.copyFrom(key.publicKey().raw())))
        .addDatasets(DatasetOffer.newBuilder().setAlias("credit").setFormat("csv")
            .setBudget(DeclaredBudget.newBuilder().setEpsilon(10).setDelta(1e-5).setAccountant("rdp")))
        .addDatasets(DatasetOffer.newBuilder().setAlias("open-data").setFormat("csv"));
    String session = stub.register(reg.build()).getSessionId();
    // Declared, nothing spent yet: the overview shows the budget with zero spend; no budget, no row.
    var before = privacyApi.show("budget-node", null).spend();
    assertThat(before).hasSize(1);
    assertThat(before.get(0).dataset()).isEqualTo("credit");
    assertThat(before.get(0).epsilonSpent()).isZero();
    assertThat(before.get(0).budgetEpsilon()).isEqualTo(10.0);
    assertThat(before.get(0).remaining()).isEqualTo(10.0);
    assertThat(before.get(0).budgetAccountant()).isEqualTo("rdp");

    Path dir = Files.createTempDirectory("ledger-test");
    LedgerEntry entry;
    try (PrivacyLedger l = PrivacyLedger.open(dir.resolve("credit.ledger"), "credit", key, RdpAccountant.create(),
        10, 1e-5)) {
      entry = wire("budget-node", l, l.record(Spend.of(jobId, 1, 0.08, 1.3, 1.0, 25)));
    }
    stub.pushLedgerEntries(PushLedgerEntriesRequest.newBuilder().setSession(SessionRef.newBuilder()
        .setNodeId("budget-node").setSessionId(session)).setJobId(jobId).addEntries(entry).build());
    var after = privacyApi.show("budget-node", "credit").spend().get(0);
    assertThat(after.epsilonSpent()).isEqualTo(entry.getEpsilonAfter());
    assertThat(after.budgetEpsilon()).isEqualTo(10.0);
    assertThat(after.remaining()).isEqualTo(10.0 - entry.getEpsilonAfter());

    // The node's operator lowers the budget in node.yaml; the next registration reports it.
    reg.setDatasets(0, reg.getDatasets(0).toBuilder().setBudget(DeclaredBudget.newBuilder().setEpsilon(4)
        .setDelta(1e-5).setAccountant("pld")));
    stub.register(reg.build());
    var lowered = privacyApi.show("budget-node", "credit").spend().get(0);
    assertThat(lowered.budgetEpsilon()).isEqualTo(4.0);
    assertThat(lowered.budgetAccountant()).isEqualTo("pld");

    // Out-of-range declarations are refused, naming the field.
    reg.setDatasets(0, reg.getDatasets(0).toBuilder().setBudget(DeclaredBudget.newBuilder().setEpsilon(4)
        .setDelta(2).setAccountant("rdp")));
    assertThatThrownBy(() -> stub.register(reg.build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("datasets[0]").contains("delta");
    });
  }

  // Issue 22 #1 and #2: registration returns the newest stored entry per dataset; heartbeats list the active jobs.
  @Test
  void registrationAcknowledgesTheNewestStoredEntry_andHeartbeatsListTheActiveJobs() throws Exception {
    String jobId = jobs.submit(Files.readString(Path.of("../examples/credit/job-dp.yaml")), "job-dp.yaml").getJobId();
    IdentityKeyPair key = IdentityKeyPair.generate();
    RegisterRequest reg = RegisterRequest.newBuilder().setNodeId("ack-node").setSoftwareVersion("test")
        .setPublicKeys(NodePublicKeys.newBuilder().setIdentityKeyEd25519(ByteString.copyFrom(key.publicKey().raw())))
        .addDatasets(DatasetOffer.newBuilder().setAlias("credit").setFormat("csv")
            .setBudget(DeclaredBudget.newBuilder().setEpsilon(10).setDelta(1e-5).setAccountant("rdp")))
        .build();
    var first = stub.register(reg);
    assertThat(first.getLedgerAcksList()).as("nothing stored yet").isEmpty();
    SessionRef s = SessionRef.newBuilder().setNodeId("ack-node").setSessionId(first.getSessionId()).build();
    VerifiedLedgerEntry e2;
    List<LedgerEntry> wire;
    try (PrivacyLedger l = PrivacyLedger.open(Files.createTempDirectory("ledger-test").resolve("credit.ledger"),
        "credit", key, RdpAccountant.create(), 10, 1e-5)) {
      VerifiedLedgerEntry e1 = l.record(Spend.of(jobId, 1, 0.08, 1.3, 1.0, 25));
      e2 = l.record(Spend.of(jobId, 2, 0.08, 1.3, 1.0, 25));
      wire = List.of(wire("ack-node", l, e1), wire("ack-node", l, e2));
    }
    stub.pushLedgerEntries(PushLedgerEntriesRequest.newBuilder().setSession(s).setJobId(jobId).addAllEntries(wire)
        .build());
    var again = stub.register(reg);
    assertThat(again.getLedgerAcksList()).singleElement().satisfies(a -> {
      assertThat(a.getDatasetAlias()).isEqualTo("credit");
      assertThat(a.getSeq()).isEqualTo(2);
      assertThat(a.getEntryHash()).isEqualTo(e2.hashHex());
    });
    var beat = stub.heartbeat(io.cohort.proto.v1.HeartbeatRequest.newBuilder().setSession(SessionRef.newBuilder()
        .setNodeId("ack-node").setSessionId(again.getSessionId())).build());
    assertThat(beat.hasActiveJobs()).isTrue();
    assertThat(beat.getActiveJobs().getJobIdsList()).contains(jobId);
    jobs.cancel(jobId, "admin:test");
    beat = stub.heartbeat(io.cohort.proto.v1.HeartbeatRequest.newBuilder().setSession(SessionRef.newBuilder()
        .setNodeId("ack-node").setSessionId(again.getSessionId())).build());
    assertThat(beat.getActiveJobs().getJobIdsList()).doesNotContain(jobId);
  }
}
