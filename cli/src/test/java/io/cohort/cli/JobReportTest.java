package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import picocli.CommandLine;

/**
 * {@code cohort job report} against a stub admin API: the PNG and SVG charts parse as images, the tables hold
 * the API's numbers, {@code job status} prints each node's metrics, and an unknown job is a one-line error with
 * exit code 2.
 */
class JobReportTest {
  private static final String DETAIL = """
      {"job": {"job_id": "job-x", "name": "credit", "state": "COMPLETED", "dataset": "credit", "rounds_completed": 1,
        "rounds_total": 1},
       "nodes": [{"node_id": "node-a", "accepted": true}, {"node_id": "node-b", "accepted": true}],
       "rounds": [{"round": 1, "attempt": 1, "participants": ["node-a", "node-b"], "contributors": ["node-a", "node-b"],
         "num_examples": 800, "duration_ms": 1234,
         "evaluation": {"nodes": 2, "examples": 21, "loss": 0.4, "accuracy": 0.8, "roc_auc": 0.8541666666666666,
           "pr_auc": 0.9166666666666666, "f1": 0.7},
         "node_evaluations": [
           {"node_id": "node-a", "examples": 12, "loss": 0.35, "accuracy": 0.83, "roc_auc": 0.9, "pr_auc": 0.85,
            "f1": 0.75, "released": "exact"},
           {"node_id": "node-b", "examples": 9, "loss": 0.47, "accuracy": 0.78, "roc_auc": 0.8125, "released": "exact"}]}],
       "audits": [],
       "node_metrics": "exact: each node's evaluation of the round's model on its own validation split"}
      """;
  private static final String CURVES = """
      {"round": 1, "bins": 1000, "roc_auc": 0.8541666666666666, "pr_auc": 0.9166666666666666, "positives": 8,
       "negatives": 13,
       "roc": [{"threshold": 1.0, "fpr": 0, "tpr": 0}, {"threshold": 0.9, "fpr": 0, "tpr": 0.75},
         {"threshold": 0.7, "fpr": 0.0769, "tpr": 0.75}, {"threshold": 0.4, "fpr": 0.3077, "tpr": 1.0},
         {"threshold": 0.1, "fpr": 1.0, "tpr": 1.0}],
       "precision_recall": [{"threshold": 0.9, "recall": 0.75, "precision": 1.0},
         {"threshold": 0.4, "recall": 1.0, "precision": 0.6667}]}
      """;

  @TempDir Path dir;
  private HttpServer server;
  private final PrintStream stdout = System.out;

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  @AfterEach
  void stop() {
    System.setOut(stdout);
    if (server != null) {
      server.stop(0);
    }
  }

  private String serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    answer("/api/v1/jobs/job-x", 200, DETAIL);
    answer("/api/v1/jobs/job-x/curves", 200, CURVES);
    answer("/api/v1/jobs/job-x/statistics", 404, "{\"error\": \"no statistics\"}");
    answer("/api/v1/jobs/no-such-job", 404, "{\"error\": \"no job 'no-such-job'\"}");
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void answer(String path, int code, String body) {
    server.createContext(path, ex -> {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(code, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
  }

  private CommandLine cli() {
    return CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString())));
  }

  @Test
  void report_writesChartsThatParse_andTablesWithTheApisNumbers() throws Exception {
    String url = serve();
    Path out = dir.resolve("report");
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    int exit = cli().execute("job", "report", "job-x", "--out", out.toString(), "--coordinator", url,
        "--token", "cht_test");
    System.setOut(stdout);
    assertThat(exit).isZero();
    for (String png : new String[] {"roc.png", "pr.png"}) {
      BufferedImage image = ImageIO.read(out.resolve(png).toFile());
      assertThat(image).as(png).isNotNull();
      assertThat(image.getWidth()).isEqualTo(ReportCharts.WIDTH);
      assertThat(image.getHeight()).isEqualTo(ReportCharts.HEIGHT);
    }
    DocumentBuilderFactory xml = DocumentBuilderFactory.newInstance();
    xml.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false); // no network
    for (String svg : new String[] {"roc.svg", "pr.svg"}) {
      Document doc = xml.newDocumentBuilder().parse(out.resolve(svg).toFile());
      assertThat(doc.getDocumentElement().getNodeName()).as(svg).isEqualTo("svg");
    }
    assertThat(Files.readString(out.resolve("roc.svg"))).contains("ROC curve of job job-x").contains("0.8542");
    assertThat(Files.readString(out.resolve("pr.svg"))).contains("average precision 0.9167");
    assertThat(Files.readAllLines(out.resolve("rounds.csv"))).hasSize(2).element(1).asString()
        .startsWith("1,2,2,1234,2,21,0.4000,0.8000,0.8542,0.9167,0.7000,");
    assertThat(Files.readAllLines(out.resolve("nodes.csv"))).containsExactly(
        String.join(",", ReportTables.NODE_COLUMNS),
        "1,node-a,exact,12,0.3500,0.8300,0.9000,0.8500,0.7500,,,",
        "1,node-b,exact,9,0.4700,0.7800,0.8125,,,,,");
    assertThat(Files.readAllLines(out.resolve("curves.csv"))).hasSize(1 + 5 + 2).contains("roc,0.9,0.0,0.75");
    String summary = Files.readString(out.resolve("summary.md"));
    assertThat(summary).contains("# Job job-x (credit)", "ROC AUC 0.8542, average precision 0.9167",
        "| 1 | node-b | exact | 9 | 0.4700 | 0.7800 | 0.8125 | — |", "Per-node metrics: exact:", "![ROC curve](roc.svg)");
  }

  @Test
  void status_printsEachNodesMetrics_underItsRound() throws Exception {
    String url = serve();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    int exit = cli().execute("job", "status", "job-x", "--coordinator", url, "--token", "cht_test");
    System.setOut(stdout);
    assertThat(exit).isZero();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("    node node-a (exact): 12 examples  loss 0.3500  accuracy 0.8300  roc_auc 0.9000  pr_auc 0.8500"
            + "  f1 0.7500\n")
        .contains("    node node-b (exact): 9 examples  loss 0.4700  accuracy 0.7800  roc_auc 0.8125\n")
        .contains("per-node metrics: exact:");
  }

  @Test
  void unknownJob_isOneLineError_withExitCode2() throws Exception {
    String url = serve();
    CommandLine cli = cli();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute("job", "report", "no-such-job", "--out", dir.resolve("r").toString(), "--coordinator", url,
        "--token", "cht_test");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("cohort: no job 'no-such-job'");
    assertThat(dir.resolve("r")).doesNotExist();
  }
}
