package io.cohort.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A federation of real processes on loopback for one test: a coordinator and named nodes, their
 * data files and configs, all in the test's temporary directory. Register it as a field
 * ({@code @RegisterExtension final Federation fed = new Federation();}) and call
 * {@link #workIn} from {@code @BeforeEach} with a {@code @TempDir}. After each test it kills every
 * process it started; when the test failed it first prints the tail of every log (and copies the
 * logs to {@code target/e2e-logs/<class>/<method>/}), with the seed that reproduces the run.
 * {@code -Dcohort.e2e.keep-logs=true} copies the logs of passing tests too, and
 * {@code -Dcohort.e2e.verbose=true} prints the timeline of each test as it happens.
 */
final class Federation implements BeforeEachCallback, AfterEachCallback, TestExecutionExceptionHandler,
    LifecycleMethodExecutionExceptionHandler {
  private static final int TAIL_LINES = 80;
  private static final Duration POLL = Duration.ofMillis(100);

  private final long seed = E2eEnvironment.seed();
  private final Random random = new Random(seed);
  private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  private final long startedNanos = System.nanoTime();
  private Path dir;
  private CoordinatorProcess coordinator;
  private String testName = "?";
  private Path timeline;

  // ---- JUnit lifecycle --------------------------------------------------------------------

  @Override
  public void beforeEach(ExtensionContext context) {
    testName = context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName();
  }

  /** Sets the working directory (a {@code @TempDir}) of this test's federation. */
  Federation workIn(Path tempDir) throws IOException {
    this.dir = tempDir.toAbsolutePath();
    Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(dir.resolve("logs"));
    timeline = dir.resolve("logs/timeline.log");
    event("federation in " + dir + ", seed " + seed);
    return this;
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
    throw withSeed(t);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
    throw withSeed(t);
  }

  private Throwable withSeed(Throwable t) {
    t.addSuppressed(new E2eContext("e2e seed " + seed + " (rerun with -Dcohort.e2e.seed=" + seed + "); logs of "
        + testName + " are printed above the test report"
        + (E2eEnvironment.failedLogsDir() == null ? "" : " and copied to " + logCopyDir())));
    return t;
  }

  /** Context attached to a failure; not an error of its own. */
  static final class E2eContext extends RuntimeException {
    E2eContext(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    boolean failed = context.getExecutionException().isPresent();
    try {
      killAll();
    } finally {
      if (failed) {
        report(System.out);
      } else if (Boolean.getBoolean("cohort.e2e.keep-logs")) {
        copyLogs();
      }
    }
  }

  private List<ManagedProcess> processes() {
    List<ManagedProcess> all = new ArrayList<>(nodes.values());
    if (coordinator != null) {
      all.add(coordinator);
    }
    return all;
  }

  private void killAll() {
    for (ManagedProcess p : processes()) {
      try {
        p.kill("cleanup after the test");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        System.err.println("e2e: cannot kill " + p + ": " + e);
      }
    }
  }

  private Path logCopyDir() {
    Path base = E2eEnvironment.failedLogsDir();
    return base == null ? null : base.resolve(testName.replace('.', '/'));
  }

  private void report(PrintStream out) {
    StringBuilder sb = new StringBuilder();
    String rule = "=".repeat(100);
    sb.append('\n').append(rule).append('\n')
        .append("E2E FAILURE in ").append(testName).append(": seed ").append(seed)
        .append(" (rerun with -Dcohort.e2e.seed=").append(seed).append("), work dir ").append(dir).append('\n')
        .append(rule).append('\n');
    if (timeline != null && Files.exists(timeline)) {
      try {
        sb.append("---- timeline ----\n").append(Files.readString(timeline, StandardCharsets.UTF_8));
      } catch (IOException e) {
        sb.append("(timeline unreadable: ").append(e).append(")\n");
      }
    }
    for (ManagedProcess p : processes()) {
      sb.append("---- last ").append(TAIL_LINES).append(" lines of ").append(p.log()).append(" [").append(p)
          .append("] ----\n").append(p.logTail(TAIL_LINES)).append('\n');
    }
    sb.append("---- ").append(copyLogs()).append(" ----\n").append(rule).append('\n');
    out.print(sb);
    out.flush();
  }

  /** Copies the logs to target/e2e-logs/<class>/<method>/; says where, or why not. */
  private String copyLogs() {
    Path copy = logCopyDir();
    if (copy == null || dir == null) {
      return "logs not copied (no cohort.e2e.logs directory or no work dir)";
    }
    try (Stream<Path> logs = Files.list(dir.resolve("logs"))) {
      Files.createDirectories(copy);
      for (Path l : logs.toList()) {
        Files.copy(l, copy.resolve(l.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      return "full logs copied to " + copy;
    } catch (IOException e) {
      return "could not copy the logs to " + copy + ": " + e;
    }
  }

  // ---- bookkeeping ------------------------------------------------------------------------

  long seed() {
    return seed;
  }

  Random random() {
    return random;
  }

  Path dir() {
    requireDir();
    return dir;
  }

  private void requireDir() {
    if (dir == null) {
      throw new IllegalStateException("call fed.workIn(@TempDir dir) from @BeforeEach first");
    }
  }

  /** Notes a step of the test, with the seconds since the federation began, in the timeline. */
  void event(String what) {
    String line = String.format(Locale.ROOT, "%s +%7.2fs %s%n", LocalTime.now(), (System.nanoTime() - startedNanos) / 1e9,
        what);
    if (Boolean.getBoolean("cohort.e2e.verbose")) {
      System.out.print("[e2e " + testName + "] " + line);
    }
    try {
      Files.writeString(timeline, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException | RuntimeException ignored) {
      // the timeline is a debugging aid only
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  // ---- coordinator ------------------------------------------------------------------------

  private List<String> coordinatorProperties = List.of();

  /** Further {@code key=value} settings of the coordinator (see {@link TestDatabases}); before it starts. */
  void coordinatorProperties(List<String> properties) {
    this.coordinatorProperties = List.copyOf(properties);
  }

  private Path adminTls;

  /**
   * Issue 21 #5: the coordinator's admin API and dashboard on HTTPS (in the plaintext development
   * profile otherwise), with an ECDSA certificate for 127.0.0.1 from a CA made for this test; before it
   * starts. Returns the base64 SHA-256 of the certificate's public key, which a browser pins.
   */
  String adminHttps() throws Exception {
    requireDir();
    Path tls = Files.createDirectories(dir.resolve("admin-tls"));
    var ca = io.cohort.crypto.pki.FederationCa.create("dashboard test CA", Duration.ofDays(1), java.time.Clock.systemUTC());
    var key = io.cohort.crypto.pki.HttpsCertificate.generateKey();
    io.cohort.crypto.pki.HttpsCertificate.writeKey(tls.resolve("https.key"), key.getPrivate());
    var cert = ca.issueHttps(key.getPublic(), List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1));
    io.cohort.crypto.pki.Pem.writePublic(tls.resolve("https.crt"),
        io.cohort.crypto.pki.Pem.certificates(List.of(cert, ca.certificate())).getBytes(StandardCharsets.US_ASCII));
    io.cohort.crypto.pki.Pem.writePublic(tls.resolve("ca.crt"),
        io.cohort.crypto.pki.Pem.certificates(List.of(ca.certificate())).getBytes(StandardCharsets.US_ASCII));
    adminTls = tls;
    return java.util.Base64.getEncoder().encodeToString(
        java.security.MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
  }

  /** Starts the coordinator on fresh ports and waits until its admin API answers. */
  AdminClient startCoordinator() throws IOException, InterruptedException {
    requireDir();
    if (coordinator != null) {
      throw new IllegalStateException("the coordinator was started already; use restartCoordinator()");
    }
    int grpc = freePort();
    int http = freePort();
    while (http == grpc) {
      http = freePort();
    }
    coordinator = new CoordinatorProcess(dir.resolve("coordinator"), dir.resolve("logs/coordinator.log"), grpc, http,
        coordinatorProperties);
    if (adminTls != null) {
      coordinator.adminHttps(adminTls);
    }
    coordinator.start();
    AdminClient admin = coordinator.awaitReady(Duration.ofSeconds(90));
    event("coordinator up (grpc " + grpc + ", http " + http + ")");
    return admin;
  }

  /** Starts the coordinator again on the same data directory and ports. */
  AdminClient restartCoordinator() throws IOException, InterruptedException {
    coordinator().start();
    AdminClient admin = coordinator.awaitReady(Duration.ofSeconds(90));
    event("coordinator up again (same data dir and ports)");
    return admin;
  }

  CoordinatorProcess coordinator() {
    if (coordinator == null) {
      throw new IllegalStateException("no coordinator started");
    }
    return coordinator;
  }

  AdminClient admin() {
    return coordinator().admin();
  }

  // ---- nodes ------------------------------------------------------------------------------

  /** A dataset entry of a node config; {@code format} is csv unless given (jsonl for text jobs). */
  record Dataset(String alias, Path path, Path validationPath, String format) {
    Dataset(String alias, Path path, Path validationPath) {
      this(alias, path, validationPath, "csv");
    }
  }

  private String nodesDial;

  /**
   * Node configs written from now on dial {@code hostPort} instead of the coordinator's gRPC port,
   * e.g. a {@link GrpcWireTap} in front of it.
   */
  void nodesDial(String hostPort) {
    this.nodesDial = hostPort;
  }

  /** Writes {@code <dir>/<nodeId>.yaml} pointing at the coordinator, with the given datasets. */
  Path writeNodeConfig(String nodeId, List<Dataset> datasets) throws IOException {
    return writeNodeConfig(nodeId, datasets, Map.of());
  }

  /** As {@link #writeNodeConfig(String, List)}, with a {@code models:} map (model name to folder) for text jobs. */
  Path writeNodeConfig(String nodeId, List<Dataset> datasets, Map<String, Path> models) throws IOException {
    StringBuilder y = new StringBuilder()
        .append("# written by the e2e test ").append(testName).append('\n')
        .append("node_id: ").append(nodeId).append('\n')
        .append("coordinator: ").append(nodesDial != null ? nodesDial : coordinator().grpcAddress()).append('\n')
        .append("plaintext: true\n")
        .append("max_backoff_seconds: 2\n")
        .append("datasets:\n");
    for (Dataset d : datasets) {
      y.append("  - alias: ").append(d.alias()).append('\n')
          .append("    path: ").append(d.path()).append('\n');
      if (d.validationPath() != null) {
        y.append("    validation_path: ").append(d.validationPath()).append('\n');
      }
      y.append("    format: ").append(d.format()).append('\n');
    }
    if (!models.isEmpty()) {
      y.append("models:\n");
      models.forEach((name, folder) -> y.append("  ").append(name).append(": ").append(folder).append('\n'));
    }
    return Files.writeString(dir().resolve(nodeId + ".yaml"), y.toString(), StandardCharsets.UTF_8);
  }

  /** Writes a node's training and validation files of a shard to {@code data/<nodeId>-{train,validation}.csv}. */
  Dataset writeShard(String alias, String nodeId, CreditData data, CreditData.Shard shard) throws IOException {
    Path train = data.write(dir().resolve("data/" + nodeId + "-train.csv"), shard.train());
    Path validation = data.write(dir().resolve("data/" + nodeId + "-validation.csv"), shard.validation());
    return new Dataset(alias, train, validation);
  }

  /** Starts a node daemon with the given config. */
  NodeProcess startNode(String nodeId, Path config) throws IOException {
    return startNode(nodeId, config, List.of());
  }

  /** Starts a node daemon with the given config and extra JVM options. */
  NodeProcess startNode(String nodeId, Path config, List<String> jvmOptions) throws IOException {
    if (nodes.containsKey(nodeId)) {
      throw new IllegalStateException("node " + nodeId + " exists; use restartNode()");
    }
    NodeProcess n = new NodeProcess(nodeId, config, dir().resolve("logs/" + nodeId + ".log"), jvmOptions);
    nodes.put(nodeId, n);
    n.start();
    event("started " + nodeId);
    return n;
  }

  /** Starts a node again with the same config; it must have stopped or been killed. */
  NodeProcess restartNode(String nodeId) throws IOException {
    NodeProcess n = node(nodeId);
    n.start();
    event("restarted " + nodeId);
    return n;
  }

  NodeProcess node(String nodeId) {
    NodeProcess n = nodes.get(nodeId);
    if (n == null) {
      throw new IllegalArgumentException("no node " + nodeId + " (have " + nodes.keySet() + ")");
    }
    return n;
  }

  void killNode(String nodeId) throws InterruptedException {
    node(nodeId).kill();
    event("SIGKILLed " + nodeId);
  }

  void killCoordinator() throws InterruptedException {
    coordinator().kill();
    event("SIGKILLed the coordinator");
  }

  /** Node ids that GET /api/v1/nodes reports connected now. */
  Set<String> connectedNodes() throws IOException, InterruptedException {
    Set<String> out = new TreeSet<>();
    for (JsonNode n : admin().nodes()) {
      if (n.path("connected").asBoolean(false)) {
        out.add(n.path("node_id").asText());
      }
    }
    return out;
  }

  /** Waits until GET /api/v1/nodes shows every one of {@code ids} connected; fails early if one of them exits. */
  void awaitConnected(Duration timeout, String... ids) {
    List<String> wanted = Arrays.asList(ids);
    await("nodes " + wanted + " connected (seed " + seed + ")")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          for (String id : wanted) {
            NodeProcess n = node(id);
            if (!n.isAlive()) {
              throw new AssertionError(id + " exited with code " + n.exitCode() + " before connecting; log tail:\n"
                  + n.logTail(40));
            }
          }
          return connectedNodes().containsAll(wanted);
        });
    event("connected: " + wanted);
  }

  // ---- jobs -------------------------------------------------------------------------------

  /**
   * The example job file ({@code examples/credit/job.yaml}) with some settings replaced. Keys are
   * top-level ({@code rounds}) or one level down ({@code training.local_epochs}); each must occur
   * in the example exactly once, so a changed example fails loudly instead of being half-edited.
   */
  static String creditJob(Map<String, Object> settings) throws IOException {
    return exampleJob(E2eEnvironment.creditJob(), settings);
  }

  /** As {@link #creditJob}, for another example job file, e.g. {@code examples/credit/job-dp.yaml}. */
  static String exampleJob(Path jobFile, Map<String, Object> settings) throws IOException {
    String yaml = Files.readString(jobFile, StandardCharsets.UTF_8);
    for (Map.Entry<String, Object> e : settings.entrySet()) {
      String key = e.getKey();
      int dot = key.indexOf('.');
      String regex = dot < 0 ? "(?m)^" + Pattern.quote(key) + ":.*$"
          : "(?m)^([ ]+)" + Pattern.quote(key.substring(dot + 1)) + ":.*$";
      Matcher m = Pattern.compile(regex).matcher(yaml);
      int count = 0;
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        count++;
        String indent = dot < 0 ? "" : m.group(1);
        String leaf = dot < 0 ? key : key.substring(dot + 1);
        m.appendReplacement(out, Matcher.quoteReplacement(indent + leaf + ": " + e.getValue()));
      }
      m.appendTail(out);
      if (count != 1) {
        throw new IllegalStateException(jobFile + " has " + count + " lines for '" + key
            + "', expected exactly one; update the e2e tests");
      }
      yaml = out.toString();
    }
    return yaml;
  }

  /** Submits a job file through the admin API. */
  String submit(String yaml) throws IOException, InterruptedException {
    Files.writeString(dir().resolve("job.yaml"), yaml, StandardCharsets.UTF_8);
    String id = admin().submit(yaml, "e2e-" + testName + ".yaml");
    event("submitted " + id);
    return id;
  }

  /**
   * Polls GET /api/v1/jobs/{id} until {@code until} holds and returns that answer. Fails at once
   * when the job ends (COMPLETED or FAILED) without the condition holding, or the coordinator
   * exits; on timeout the failure shows the last answer.
   */
  JsonNode awaitJob(String jobId, Duration timeout, String what, Predicate<JsonNode> until)
      throws IOException, InterruptedException {
    return awaitJob(jobId, timeout, POLL, what, until);
  }

  /** {@link #awaitJob(String, Duration, String, Predicate)}, polling every {@code poll}. */
  JsonNode awaitJob(String jobId, Duration timeout, Duration poll, String what, Predicate<JsonNode> until)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    Exception lastError = null;
    while (true) {
      if (!coordinator().isAlive()) {
        throw new AssertionError("waiting for " + what + ": the coordinator exited (code " + coordinator.exitCode()
            + "); last answer: " + last + "; seed " + seed);
      }
      try {
        last = admin().job(jobId);
        lastError = null;
        if (until.test(last)) {
          return last;
        }
        String state = last.path("job").path("state").asText();
        if (state.equals("COMPLETED") || state.equals("FAILED")) {
          throw new AssertionError("job " + jobId + " ended " + state + " (failure_reason: "
              + last.path("job").path("failure_reason").asText("none") + ") before " + what + "; last answer: "
              + last + "; seed " + seed);
        }
      } catch (IOException | AdminClient.HttpError e) {
        lastError = e; // a transient hiccup; the deadline decides
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + timeout.toSeconds() + " s; last answer: " + last
            + (lastError == null ? "" : "; last error: " + lastError) + "; seed " + seed);
      }
      Thread.sleep(poll.toMillis());
    }
  }

  /** Waits until the job is COMPLETED or FAILED and returns the final answer. */
  JsonNode awaitEnd(String jobId, Duration timeout) throws IOException, InterruptedException {
    return awaitJob(jobId, timeout, "end of job " + jobId, j -> {
      String s = state(j);
      return s.equals("COMPLETED") || s.equals("FAILED");
    });
  }

  // ---- reading the admin API's JSON -------------------------------------------------------

  static String state(JsonNode job) {
    return job.path("job").path("state").asText();
  }

  /** The round record {@code round}, or null when it is not recorded (yet). */
  static JsonNode round(JsonNode job, int round) {
    for (JsonNode r : job.path("rounds")) {
      if (r.path("round").asInt() == round) {
        return r;
      }
    }
    return null;
  }

  /** True when round {@code round} is recorded and its evaluation too. */
  static boolean evaluated(JsonNode job, int round) {
    JsonNode r = round(job, round);
    return r != null && r.hasNonNull("evaluation");
  }

  /** The recorded round numbers, in the order the API lists them. */
  static List<Integer> roundNumbers(JsonNode job) {
    List<Integer> out = new ArrayList<>();
    for (JsonNode r : job.path("rounds")) {
      out.add(r.path("round").asInt());
    }
    return out;
  }

  /** A JSON array of strings, sorted. */
  static List<String> sorted(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asText());
    }
    out.sort(null);
    return out;
  }

  /** The decision of one node on the job's offer, or null. */
  static JsonNode decision(JsonNode job, String nodeId) {
    for (JsonNode d : job.path("nodes")) {
      if (d.path("node_id").asText().equals(nodeId)) {
        return d;
      }
    }
    return null;
  }
}
