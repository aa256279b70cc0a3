package io.cohort.e2e;

import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.TlsMaterial;
import io.cohort.proto.v1.AbandonTaskRequest;
import io.cohort.proto.v1.AbandonTaskResponse;
import io.cohort.proto.v1.AnswerOfferRequest;
import io.cohort.proto.v1.AnswerOfferResponse;
import io.cohort.proto.v1.DownloadModelRequest;
import io.cohort.proto.v1.DownloadModelResponse;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.HeartbeatResponse;
import io.cohort.proto.v1.LedgerEntry;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.PullTaskRequest;
import io.cohort.proto.v1.PullTaskResponse;
import io.cohort.proto.v1.PushLedgerEntriesRequest;
import io.cohort.proto.v1.PushLedgerEntriesResponse;
import io.cohort.proto.v1.PushSecAggRequest;
import io.cohort.proto.v1.PushSecAggResponse;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.PushUpdateResponse;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.RegisterResponse;
import io.cohort.proto.v1.Task;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;

/**
 * A coordinator that turned malicious (issue 21 #7): it speaks the real node-facing gRPC service
 * over real mutual-TLS sockets, with a server certificate from the federation CA, and hands each
 * node exactly the tasks a test scripts. It records everything the nodes send, so a test can check
 * what left them: answers, refusals, ledger entries, updates, secure-aggregation messages.
 */
final class ScriptedCoordinator implements AutoCloseable {
  final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
  final List<AnswerOfferRequest> answers = new CopyOnWriteArrayList<>();
  final List<AbandonTaskRequest> refusals = new CopyOnWriteArrayList<>();
  final List<LedgerEntry> ledgerEntries = new CopyOnWriteArrayList<>();
  final List<String> registered = new CopyOnWriteArrayList<>();
  final List<DownloadModelRequest> downloads = new CopyOnWriteArrayList<>();
  final AtomicInteger updates = new AtomicInteger();
  final AtomicInteger secAggMessages = new AtomicInteger();
  private final Server server;

  ScriptedCoordinator(FederationCa ca, Path dir) throws Exception {
    Path keyStore = dir.resolve("scripted-coordinator.p12");
    char[] password = "scripted".toCharArray();
    ca.issueServer(keyStore, password, List.of("localhost"), List.of("127.0.0.1"), java.time.Duration.ofDays(1));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      ks.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    var ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(kmf), SslProvider.JDK).protocols("TLSv1.3")
        .clientAuth(ClientAuth.REQUIRE).trustManager(TlsMaterial.trusting(ca.certificate())[0]).build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(ssl)
        .addService(new Service()).build().start();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Service extends NodeServiceGrpc.NodeServiceImplBase {
    @Override
    public void register(RegisterRequest req, StreamObserver<RegisterResponse> out) {
      registered.add(req.getNodeId());
      out.onNext(RegisterResponse.newBuilder().setSessionId("s-" + req.getNodeId()).setHeartbeatIntervalMs(2_000)
          .build());
      out.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest req, StreamObserver<HeartbeatResponse> out) {
      out.onNext(HeartbeatResponse.newBuilder().setServerTimeUnixMs(System.currentTimeMillis()).build());
      out.onCompleted();
    }

    @Override
    public void pullTask(PullTaskRequest req, StreamObserver<PullTaskResponse> out) {
      try {
        Task t = tasks.poll(Math.min(req.getMaxWaitMs(), 500), TimeUnit.MILLISECONDS);
        out.onNext(t == null ? PullTaskResponse.getDefaultInstance() : PullTaskResponse.newBuilder().setTask(t).build());
        out.onCompleted();
      } catch (InterruptedException e) {
        out.onError(Status.UNAVAILABLE.asRuntimeException());
      }
    }

    @Override
    public void answerOffer(AnswerOfferRequest req, StreamObserver<AnswerOfferResponse> out) {
      answers.add(req);
      out.onNext(AnswerOfferResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void abandonTask(AbandonTaskRequest req, StreamObserver<AbandonTaskResponse> out) {
      refusals.add(req);
      out.onNext(AbandonTaskResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void pushLedgerEntries(PushLedgerEntriesRequest req, StreamObserver<PushLedgerEntriesResponse> out) {
      for (LedgerEntry e : req.getEntriesList()) {
        if (ledgerEntries.stream().noneMatch(k -> k.getSeq() == e.getSeq())) {
          ledgerEntries.add(e);
        }
      }
      out.onNext(PushLedgerEntriesResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void downloadModel(DownloadModelRequest req, StreamObserver<DownloadModelResponse> out) {
      downloads.add(req);
      out.onError(Status.NOT_FOUND.withDescription("this scripted coordinator serves no models").asRuntimeException());
    }

    @Override
    public StreamObserver<PushUpdateRequest> pushUpdate(StreamObserver<PushUpdateResponse> out) {
      return new Drain<>(out, PushUpdateResponse.getDefaultInstance(), updates);
    }

    @Override
    public StreamObserver<PushSecAggRequest> pushSecAgg(StreamObserver<PushSecAggResponse> out) {
      return new Drain<>(out, PushSecAggResponse.getDefaultInstance(), secAggMessages);
    }
  }

  /** Takes a client stream whole and counts it. */
  private static final class Drain<Q, R> implements StreamObserver<Q> {
    private final StreamObserver<R> out;
    private final R reply;
    private final AtomicInteger count;

    Drain(StreamObserver<R> out, R reply, AtomicInteger count) {
      this.out = out;
      this.reply = reply;
      this.count = count;
    }

    @Override
    public void onNext(Q value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      count.incrementAndGet();
      out.onNext(reply);
      out.onCompleted();
    }
  }
}
