package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/cohort serve} as an operator runs it (issue 22 findings #4 and #8): the PID the
 * operator started is the server itself (no wrapper JVM), so kill -9 leaves no orphan holding the
 * H2 lock and a restart on the same data directory works; SIGTERM stops it with no stack trace,
 * also while a node is connected; the data directory and its private files are owner-only and the
 * bootstrap token is not in the output.
 */
class ServeProcessTest {
  private static final String SERVER_JVM_OPTIONS = "-Xmx1g  -De2e.server-option=set";
  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private Process serve(Path dataDir, int grpc, int http, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(E2eEnvironment.home().resolve("bin/cohort").toString(), "serve",
        "--data-dir", dataDir.toString(), "--grpc-port", String.valueOf(grpc), "--http-port", String.valueOf(http),
        "--bind", "127.0.0.1", "-Dquarkus.profile=plaintext-dev", "-Dcohort.heartbeat-interval=1s")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().remove("COHORT_TOKEN");
    // JVM options for the server, as an operator sets a heap size (checked on the server's command line).
    pb.environment().put("COHORT_JAVA_OPTS", SERVER_JVM_OPTIONS);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private static void awaitReady(Process p, int http, Path log) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("bin/cohort serve exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
            + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the coordinator did not become ready in 120 s:\n" + Files.readString(log));
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void serveIsTheServer_killNineLeavesNoOrphan_andSigtermStopsCleanly() throws Exception {
    Path dataDir = dir.resolve("coordinator");
    int grpc = Federation.freePort();
    int http = Federation.freePort();
    while (http == grpc) {
      http = Federation.freePort();
    }

    // 1. The PID bin/cohort serve started is the server JVM, with no JVM of its own beneath it.
    Path log1 = dir.resolve("serve-1.log");
    Process first = serve(dataDir, grpc, http, log1);
    awaitReady(first, http, log1);
    String commandLine = first.info().commandLine().orElse("");
    assertThat(commandLine).as("the started PID runs the server (issue 22 #4)").contains("quarkus-run.jar");
    assertThat(commandLine).as("COHORT_JAVA_OPTS reach the server's JVM, before its -jar")
        .containsSubsequence("-Xmx1g", "-De2e.server-option=set", "-jar");
    assertThat(first.descendants().filter(h -> h.info().command().orElse("").contains("java")).count())
        .as("no server JVM forked beneath it").isZero();

    // Issue 22 #8: owner-only data directory and files; the token is not in the output.
    if (dataDir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(mode(dataDir)).isEqualTo("rwx------");
      assertThat(mode(dataDir.resolve("admin.token"))).isEqualTo("rw-------");
      try (Stream<Path> db = Files.list(dataDir.resolve("db"))) {
        for (Path f : db.filter(Files::isRegularFile).toList()) {
          assertThat(mode(f)).as("%s", f).isEqualTo("rw-------");
        }
      }
      if (Files.exists(dataDir.resolve("audit.head"))) {
        assertThat(mode(dataDir.resolve("audit.head"))).isEqualTo("rw-------");
      }
    } else {
      System.out.println("skipping the file mode checks: the file system has no POSIX permissions");
    }
    String token = Files.readString(dataDir.resolve("admin.token"), StandardCharsets.US_ASCII).strip();
    assertThat(Files.readString(log1)).as("output of the first start").doesNotContain(token)
        .contains(dataDir.resolve("admin.token").toAbsolutePath().toString());

    // 2. kill -9 of that PID: the ports close (nothing orphaned holds them or the H2 lock).
    first.destroyForcibly();
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while ((listening(http) || listening(grpc)) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(listening(http)).as("admin API port after kill -9").isFalse();
    assertThat(listening(grpc)).as("gRPC port after kill -9").isFalse();

    // 3. A restart on the same data directory works (no "database may be already in use").
    Path log2 = dir.resolve("serve-2.log");
    Process second = serve(dataDir, grpc, http, log2);
    awaitReady(second, http, log2);

    // A node connected (long-polling for tasks) while the server stops.
    Path nodeYaml = Files.writeString(dir.resolve("node.yaml"), "node_id: n1\ncoordinator: 127.0.0.1:" + grpc
        + "\nplaintext: true\nmax_backoff_seconds: 2\ndatasets:\n  - alias: credit\n    path: "
        + E2eEnvironment.creditCsv() + "\n    format: csv\n");
    Path nodeLog = dir.resolve("node.log");
    Process node = new ProcessBuilder(E2eEnvironment.java(), "-jar", E2eEnvironment.nodeJar().toString(), "--config",
        nodeYaml.toString()).redirectErrorStream(true).redirectOutput(nodeLog.toFile()).start();
    started.add(node);
    AdminClient admin = new AdminClient(URI.create("http://127.0.0.1:" + http), token);
    long nodeDeadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!admin.nodes().toString().contains("\"n1\"") && System.nanoTime() < nodeDeadline) {
      Thread.sleep(250);
    }
    assertThat(admin.nodes().toString()).as("node n1 registered; node log:%n%s", Files.readString(nodeLog))
        .contains("\"n1\"");
    Thread.sleep(3000); // a few heartbeats and task polls in flight

    // 4. SIGTERM: a clean stop, no stack trace.
    long before = Files.size(log2);
    second.destroy();
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("stops within 60 s of SIGTERM").isTrue();
    String stopOutput = Files.readString(log2).substring((int) before);
    assertThat(stopOutput).as("output after SIGTERM (exit %d):%n%s", second.exitValue(), stopOutput)
        .doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(second.exitValue()).as("exit code after SIGTERM").isIn(0, 130, 143);
    assertThat(listening(http)).isFalse();
    node.destroyForcibly();
  }
}
