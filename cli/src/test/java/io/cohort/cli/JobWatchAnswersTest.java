package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #10: {@code cohort job watch} printed the state line and never the declines (only
 * {@code job status} showed them). It now prints each node's answer once, as it arrives, and exits
 * 1 when the offer fails. Against a small HTTP server that plays the coordinator's replies.
 */
class JobWatchAnswersTest {
  @TempDir Path dir;

  private static final String NODE_A_DECLINED = """
      {"node_id":"a","accepted":false,"reason":"dataset 'credit' line 5, column 'age': not a number"}""";
  private static final List<String> REPLIES = List.of(
      "{\"job\":{\"state\":\"OFFERED\",\"rounds_completed\":0,\"rounds_total\":3},\"nodes\":[],\"rounds\":[]}",
      "{\"job\":{\"state\":\"OFFERED\",\"rounds_completed\":0,\"rounds_total\":3},\"nodes\":[" + NODE_A_DECLINED
          + "],\"rounds\":[]}",
      "{\"job\":{\"state\":\"OFFERED\",\"rounds_completed\":0,\"rounds_total\":3},\"nodes\":[" + NODE_A_DECLINED
          + ",{\"node_id\":\"b\",\"accepted\":true}],\"rounds\":[]}",
      "{\"job\":{\"state\":\"FAILED\",\"rounds_completed\":0,\"rounds_total\":3,\"failure_reason\":\"offer window"
          + " closed with 1 of 2 nodes\"},\"nodes\":[" + NODE_A_DECLINED
          + ",{\"node_id\":\"b\",\"accepted\":true}],\"rounds\":[]}");

  @Test
  void declinesAndAcceptsArePrintedOnceAsTheyArrive_andAFailedOfferExits1() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/api/v1/jobs/job-x", ex -> {
      byte[] body = REPLIES.get(Math.min(calls.getAndIncrement(), REPLIES.size() - 1)).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    PrintStream was = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      exit = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString())))
          .execute("job", "watch", "job-x", "--interval", "100ms", "--coordinator",
              "http://127.0.0.1:" + server.getAddress().getPort(), "--token", "cht_test");
    } finally {
      System.setOut(was);
      server.stop(0);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(out).isEqualTo(1);
    List<String> lines = out.lines().toList();
    assertThat(lines).containsSubsequence("job job-x OFFERED 0/3 rounds",
        "node a declined: dataset 'credit' line 5, column 'age': not a number", "node b accepted",
        "job job-x FAILED 0/3 rounds", "reason: offer window closed with 1 of 2 nodes");
    assertThat(lines.stream().filter(l -> l.startsWith("node a ")).count()).as("printed once").isEqualTo(1);
  }
}
