package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort job watch} ends with exit code 1 and the reason when the job fails, e.g. at its offer. */
class JobWatchTest {
  @TempDir Path dir;
  private HttpServer server;
  private final PrintStream stdout = System.out;

  @AfterEach
  void stop() {
    System.setOut(stdout);
    if (server != null) {
      server.stop(0);
    }
  }

  /** Serves the job detail, one body per request in turn (the last one repeated). */
  private String serve(List<String> bodies) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger calls = new AtomicInteger();
    server.createContext("/api/v1/jobs/job-x", ex -> {
      byte[] b = bodies.get(Math.min(calls.getAndIncrement(), bodies.size() - 1)).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static String job(String state, String reason) {
    return "{\"job\": {\"job_id\": \"job-x\", \"state\": \"" + state + "\", \"rounds_completed\": 0, \"rounds_total\": 1"
        + (reason == null ? "" : ", \"failure_reason\": \"" + reason + "\"") + "}, \"rounds\": [], \"nodes\": []}";
  }

  @Test
  void jobFailingAtItsOffer_exitsOneAndPrintsTheReason() throws Exception {
    String reason = "offer window of 60 s closed with 0 acceptances, min_nodes is 2; declined: node-a: no dataset 'd'";
    String url = serve(List.of(job("OFFERED", null), job("OFFERED", null), job("FAILED", reason)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString())))
        .execute("job", "watch", "job-x", "--coordinator", url, "--token", "cht_test", "--interval", "100ms");
    System.setOut(stdout);
    assertThat(exit).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("FAILED").contains(reason);
  }

  @Test
  void completedJob_exitsZero() throws Exception {
    String url = serve(List.of(job("COMPLETED", null)));
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    int exit = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString())))
        .execute("job", "watch", "job-x", "--coordinator", url, "--token", "cht_test", "--interval", "100ms");
    assertThat(exit).isZero();
  }
}
