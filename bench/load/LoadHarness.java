// Load harness for one coordinator on loopback (not part of the test suite): N simulated nodes,
// each on its own gRPC connection, register and heartbeat; M admin API clients read the API in a
// loop. Reports errors and the admin latency distribution. Run through bench/load/run.sh, which
// starts the coordinator and puts its libraries on the class path (single-file source launch).
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.RegisterRequest;
import io.cohort.proto.v1.SessionRef;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class LoadHarness {
  static final AtomicLong nodeCalls = new AtomicLong();
  static final AtomicLong adminCalls = new AtomicLong();
  static final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();

  static void error(String what) {
    errors.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }

  public static void main(String[] args) throws Exception {
    String grpcTarget = args[0];
    URI http = URI.create(args[1]);
    String token = args[2];
    int nodes = Integer.parseInt(args[3]);
    int admins = Integer.parseInt(args[4]);
    long seconds = Long.parseLong(args[5]);
    long heartbeatMillis = Long.parseLong(args[6]);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);

    List<ManagedChannel> channels = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch registered = new CountDownLatch(nodes);
    for (int i = 0; i < nodes; i++) {
      ManagedChannel ch = ManagedChannelBuilder.forTarget(grpcTarget).usePlaintext().build();
      channels.add(ch);
      String nodeId = String.format("load-node-%03d", i);
      threads.add(daemon(() -> runNode(ch, nodeId, end, heartbeatMillis, registered)));
    }
    if (!registered.await(60, TimeUnit.SECONDS)) {
      error("nodes not registered within 60 s: " + registered.getCount());
    }
    long[][] latencies = new long[admins][];
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int i = 0; i < admins; i++) {
      int id = i;
      threads.add(daemon(() -> latencies[id] = runAdmin(client, http, token, id, end)));
    }
    for (Thread t : threads) {
      t.join();
    }
    // Before the connections close: every node must still count as connected (no missed heartbeats).
    long connected = countConnected(client, http, token);
    channels.forEach(ManagedChannel::shutdownNow);

    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    System.out.printf(Locale.ROOT, "nodes %d (one gRPC connection each), heartbeat every %d ms; admin clients %d;"
        + " %d s%n", nodes, heartbeatMillis, admins, seconds);
    System.out.printf(Locale.ROOT, "node RPCs: %d (%.0f/s)%n", nodeCalls.get(), nodeCalls.get() / (double) seconds);
    System.out.printf(Locale.ROOT, "admin requests: %d (%.0f/s)%n", all.length, all.length / (double) seconds);
    if (all.length > 0) {
      System.out.printf(Locale.ROOT, "admin latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", pct(all, 50),
          pct(all, 90), pct(all, 99), all[all.length - 1] / 1e6);
    }
    System.out.println("nodes connected at the end: " + connected + " of " + nodes);
    if (connected != nodes) {
      error("nodes not connected at the end: " + (nodes - connected));
    }
    long errorCount = errors.values().stream().mapToLong(AtomicLong::get).sum();
    System.out.println("errors: " + errorCount + (errors.isEmpty() ? "" : " " + errors));
    System.exit(errorCount == 0 ? 0 : 1);
  }

  static double pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  static void runNode(ManagedChannel ch, String nodeId, long end, long heartbeatMillis, CountDownLatch registered) {
    var stub = NodeServiceGrpc.newBlockingStub(ch);
    String session;
    try {
      session = stub.withDeadlineAfter(30, TimeUnit.SECONDS).register(RegisterRequest.newBuilder().setNodeId(nodeId)
          .setSoftwareVersion("load-harness").addDatasets(DatasetOffer.newBuilder().setAlias("credit").setFormat("csv"))
          .build()).getSessionId();
      nodeCalls.incrementAndGet();
    } catch (RuntimeException e) {
      error("register: " + e.getMessage());
      registered.countDown();
      return;
    }
    registered.countDown();
    SessionRef ref = SessionRef.newBuilder().setNodeId(nodeId).setSessionId(session).build();
    // Spread the heartbeats over the interval, as independent nodes would.
    sleep((long) (Math.abs(nodeId.hashCode() % 1000) / 1000.0 * heartbeatMillis));
    long next = System.nanoTime();
    while (System.nanoTime() < end) {
      try {
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).heartbeat(HeartbeatRequest.newBuilder().setSession(ref).build());
        nodeCalls.incrementAndGet();
      } catch (RuntimeException e) {
        error("heartbeat: " + e.getMessage());
      }
      // Fixed rate (the daemon uses a fixed delay, which beats no more often): due one interval after the last.
      next += heartbeatMillis * 1_000_000L;
      sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000L));
    }
  }

  static long countConnected(HttpClient client, URI base, String token) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/api/v1/nodes"))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    // Counted without a JSON library: one "connected":true per connected node.
    return r.body().split("\"connected\":true", -1).length - 1;
  }

  static final String[] PATHS = {"/api/v1/nodes", "/api/v1/jobs", "/api/v1/audit?limit=100", "/api/v1/privacy",
      "/api/v1/nodes/load-node-007", "/api/v1/tokens"};

  static long[] runAdmin(HttpClient client, URI base, String token, int id, long end) {
    long[] lat = new long[1 << 16];
    int n = 0;
    int k = id;
    while (System.nanoTime() < end) {
      String path = PATHS[k++ % PATHS.length];
      HttpRequest req = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
          .timeout(Duration.ofSeconds(30)).GET().build();
      long t0 = System.nanoTime();
      try {
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        long t = System.nanoTime() - t0;
        if (r.statusCode() != 200) {
          error("GET " + path + " -> " + r.statusCode());
        } else {
          if (n == lat.length) {
            lat = Arrays.copyOf(lat, n * 2);
          }
          lat[n++] = t;
        }
      } catch (Exception e) {
        error("GET " + path + ": " + e);
      }
    }
    return Arrays.copyOf(lat, n);
  }

  static Thread daemon(Runnable r) {
    Thread t = new Thread(r);
    t.setDaemon(true);
    t.start();
    return t;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
