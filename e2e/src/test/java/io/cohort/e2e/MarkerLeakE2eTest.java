package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 #11, generalised: raw data never leaves a node. Every node's data carries unique
 * marker values, one federation runs a tabular job and a text job (each with one node declining
 * on a malformed record), and no marker may appear in anything the coordinator stored (every file
 * of its data directory, H2 database included, read after a clean stop), logged (its output),
 * served (the admin API's answers, exported models included) or received over gRPC (every message
 * the nodes sent, decoded from the wire by a {@link GrpcWireTap} in front of its gRPC port).
 *
 * <p>The markers: every string marker starts with {@code QZXMK}, which appears in no other input,
 * so one search finds any of them and also a truncated copy of at least five characters. Tabular
 * data: an extra column {@code patient_id} holds a string marker in every row of every node; on the
 * two accepting nodes each of the job's numeric columns holds, in one row, a unique value with six
 * decimals (e.g. {@code 24.718263}), valid for the column so the job runs, searched as text (as
 * written, and as Java prints it as double and float) and as the raw IEEE-754 bytes of a double and
 * a float in both byte orders; the declining node holds a string marker in every column of one row,
 * label and categorical columns included (accepting nodes cannot: a categorical cell must hold one
 * of the job's declared categories, which the coordinator has anyway). Text data: every record's
 * text starts with a marker; the declining node has a record whose label is a marker.
 */
class MarkerLeakE2eTest {
  static final String PREFIX = "QZXMK";
  static final List<String> NUMERIC = List.of("duration", "credit_amount", "installment_commitment", "residence_since",
      "age", "existing_credits", "num_dependents");
  static final String TEXT_MODEL = "tiny-gpt2-reuters";

  @RegisterExtension final Federation fed = new Federation();
  /** Numeric markers: the text as written in the CSV, and its value. */
  private final Map<String, Double> numericMarkers = new LinkedHashMap<>();

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    fed.workIn(dir);
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void noMarkerReachesTheCoordinator_storedLoggedServedOrReceived() throws Exception {
    AdminClient admin = fed.startCoordinator();
    Random random = fed.random();
    try (GrpcWireTap tap = new GrpcWireTap(fed.coordinator().grpcPort())) {
      fed.nodesDial("127.0.0.1:" + tap.port());
      CreditData credit = CreditData.load();
      List<CreditData.Shard> shards = credit.shards(3, random);
      List<String> header = new ArrayList<>(credit.header);
      header.add("patient_id");
      Path model = E2eEnvironment.home().resolve("examples/text/" + TEXT_MODEL);
      List<String> texts = Files.readAllLines(E2eEnvironment.home().resolve("examples/text/reuters-grain-train.jsonl"));

      int malformedRow = 3 + random.nextInt(20);
      for (int n = 1; n <= 3; n++) {
        String id = "node" + n;
        boolean declines = n == 3;
        Path train = CreditData.write(fed.dir().resolve("data/" + id + "-train.csv"), header,
            markTabular(credit, id + "t", shards.get(n - 1).train(), declines ? malformedRow : -1, !declines, random));
        Path validation = CreditData.write(fed.dir().resolve("data/" + id + "-validation.csv"), header,
            markTabular(credit, id + "v", shards.get(n - 1).validation(), -1, !declines, random));
        Path textTrain = writeTexts(fed.dir().resolve("data/" + id + "-train.jsonl"), id + "t", texts, 24, random,
            declines ? 5 : -1);
        Path textValidation = writeTexts(fed.dir().resolve("data/" + id + "-validation.jsonl"), id + "v", texts, 8,
            random, -1);
        fed.startNode(id, fed.writeNodeConfig(id, List.of(new Federation.Dataset("credit", train, validation),
            new Federation.Dataset("reuters", textTrain, textValidation, "jsonl")), Map.of(TEXT_MODEL, model)),
            List.of(NodeProcess.FULL_JIT));
      }
      fed.awaitConnected(Duration.ofSeconds(120), "node1", "node2", "node3");

      String tabularName = "marker-credit-" + fed.seed();
      String tabular = fed.submit(Federation.creditJob(Map.of("name", tabularName, "rounds", 2, "min_nodes", 2,
          "round_timeout_seconds", 60, "seed", fed.seed())));
      JsonNode tabularEnd = fed.awaitEnd(tabular, Duration.ofSeconds(150));
      assertThat(Federation.state(tabularEnd)).as("%s", tabularEnd).isEqualTo("COMPLETED");
      String tabularReason = Federation.decision(tabularEnd, "node3").path("reason").asText();
      assertThat(tabularReason).as("node3 declined the tabular job: %s", tabularEnd)
          .contains("dataset 'credit' line " + (malformedRow + 2));

      String text = fed.submit("""
          name: marker-text-%d
          task: sequence_classification
          dataset: reuters
          rounds: 1
          min_nodes: 2
          round_timeout_seconds: 120
          seed: %d
          model: {name: %s, sha256: b054c0e42eb19a268b7d5fe45f405c9b45819f484569eec51e52fd55d3122fee}
          text: {max_length: 32}
          training: {local_epochs: 1, batch_size: 8, learning_rate: 0.002}
          """.formatted(fed.seed(), fed.seed(), TEXT_MODEL));
      JsonNode textEnd = fed.awaitEnd(text, Duration.ofSeconds(180));
      assertThat(Federation.state(textEnd)).as("%s", textEnd).isEqualTo("COMPLETED");
      String textReason = Federation.decision(textEnd, "node3").path("reason").asText();
      assertThat(textReason).as("node3 declined the text job: %s", textEnd).contains("'reuters'").contains("label");

      // Served: every admin API answer about these jobs, nodes, spend and audit, and the exported models.
      StringBuilder served = new StringBuilder();
      List<String> paths = new ArrayList<>(List.of("/api/v1/jobs", "/api/v1/nodes", "/api/v1/privacy",
          "/api/v1/audit?limit=1000", "/api/v1/audit/verify", "/api/v1/tokens", "/api/v1/provenance/key"));
      for (String job : List.of(tabular, text)) {
        for (String tail : List.of("", "/rounds", "/metrics", "/manifest")) {
          paths.add("/api/v1/jobs/" + job + tail);
        }
      }
      for (String node : List.of("node1", "node2", "node3")) {
        paths.add("/api/v1/nodes/" + node);
      }
      for (String p : paths) {
        served.append(p).append(' ').append(admin.get(p)).append('\n');
      }
      List<String> findings = new ArrayList<>(find("admin API answers", served.toString().getBytes(StandardCharsets.UTF_8)));
      for (String job : List.of(tabular, text)) {
        findings.addAll(find("GET /api/v1/jobs/" + job + "/export", admin.getBytes("/api/v1/jobs/" + job + "/export")));
      }
      assertThat(served).as("the API serves the decline reasons (so the search would see a value in them)")
          .contains(tabularReason.substring(0, 20)).contains(tabularName);

      // Received: every gRPC message the nodes sent.
      GrpcWireTap.Capture wire = tap.received();
      fed.event("wire: " + wire.connections() + " connections, " + wire.streams() + " streams, "
          + wire.messages().size() + " messages, " + wire.rawBytes() + " bytes");
      String messages = wire.messagesText();
      assertThat(messages).as("the tap decodes the nodes' messages, decline reasons included")
          .contains("node1").contains("node3").contains(fromDataset(tabularReason)).contains(fromDataset(textReason));
      findings.addAll(find("gRPC messages the nodes sent", messages.getBytes(StandardCharsets.ISO_8859_1)));
      findings.addAll(find("gRPC header blocks", wire.headerBlocks()));

      // Logged and stored: the coordinator's output, and its data directory after a clean stop.
      fed.coordinator().stop(30);
      fed.event("coordinator stopped (exit " + fed.coordinator().exitCode() + ")");
      byte[] log = Files.readAllBytes(fed.coordinator().log());
      assertThat(new String(log, StandardCharsets.UTF_8)).contains(tabular).contains(text);
      findings.addAll(find("the coordinator's output " + fed.coordinator().log(), log));
      StringBuilder stored = new StringBuilder();
      try (Stream<Path> files = Files.walk(fed.coordinator().dataDir())) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          byte[] bytes = Files.readAllBytes(f);
          stored.append(new String(bytes, StandardCharsets.ISO_8859_1));
          findings.addAll(find("coordinator file " + f, bytes));
        }
      }
      assertThat(stored).as("the byte search finds what the coordinator stored: the job name and a decline reason")
          .contains(tabularName).contains(tabularReason.substring(0, 20));

      assertThat(findings).as("markers found on the coordinator's side (seed %d)", fed.seed()).isEmpty();
      // The search itself works: it finds the markers where they are (the nodes' own files and log).
      assertThat(find("node3's log", Files.readAllBytes(fed.node("node3").log())))
          .as("the declining node's own log keeps the detail").isNotEmpty();
      assertThat(find("node1's training file", Files.readAllBytes(fed.dir().resolve("data/node1-train.csv"))))
          .as("numeric markers as text in node1's file").hasSizeGreaterThanOrEqualTo(NUMERIC.size());
    }
  }

  /** A decline reason from its "dataset '...'" on, as the node sent it (the coordinator may prefix it). */
  private static String fromDataset(String reason) {
    int at = reason.indexOf("dataset '");
    assertThat(at).as("a decline reason naming its dataset: %s", reason).isNotNegative();
    return reason.substring(at);
  }

  /**
   * A copy of {@code rows} with a {@code patient_id} marker on every row; with {@code numeric}, one
   * row per numeric column holds a unique decimal value; {@code malformed} >= 0 makes every cell of
   * that row a string marker.
   */
  private List<List<String>> markTabular(CreditData credit, String tag, List<List<String>> rows, int malformed,
      boolean numeric, Random random) {
    List<List<String>> out = new ArrayList<>();
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = new ArrayList<>(rows.get(r));
      if (r == malformed) {
        for (int c = 0; c < row.size(); c++) {
          row.set(c, PREFIX + "-" + tag + "-" + credit.header.get(c));
        }
      }
      row.add(PREFIX + "-" + tag + "-P" + r);
      out.add(row);
    }
    if (numeric) {
      for (String column : NUMERIC) {
        int r = random.nextInt(out.size());
        int c = credit.column(column);
        String value = Integer.parseInt(out.get(r).get(c)) + "." + (1 + random.nextInt(9))
            + String.format(Locale.ROOT, "%04d", random.nextInt(10_000)) + (1 + random.nextInt(9));
        out.get(r).set(c, value);
        numericMarkers.put(value, Double.parseDouble(value));
      }
    }
    return out;
  }

  /** {@code count} records of the example file, each text starting with a marker; {@code badLabel} gets a marker label. */
  private static Path writeTexts(Path file, String tag, List<String> lines, int count, Random random, int badLabel)
      throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < count; i++) {
      ObjectNode record = (ObjectNode) AdminClient.JSON.readTree(lines.get(random.nextInt(lines.size())));
      record.put("text", PREFIX + "-" + tag + "-T" + i + " " + record.path("text").asText());
      if (i == badLabel) {
        record.put("label", PREFIX + "-" + tag + "-L" + i);
      }
      sb.append(AdminClient.JSON.writeValueAsString(record)).append('\n');
    }
    return Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }

  /** Where in {@code bytes} a marker occurs: string markers as text, numeric ones as text and as IEEE-754 bytes. */
  private List<String> find(String where, byte[] bytes) {
    String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);
    List<String> found = new ArrayList<>();
    for (String prefix : List.of(PREFIX, PREFIX.toLowerCase(Locale.ROOT))) {
      int at = latin1.indexOf(prefix);
      if (at >= 0) {
        found.add(where + ": string marker at byte " + at + ": "
            + latin1.substring(Math.max(0, at - 40), Math.min(latin1.length(), at + 60)).replaceAll("[^ -~]", "."));
      }
    }
    for (Map.Entry<String, Double> m : numericMarkers.entrySet()) {
      double v = m.getValue();
      List<String> forms = List.of(m.getKey(), Double.toString(v), Float.toString((float) v));
      for (String form : forms) {
        if (latin1.contains(form)) {
          found.add(where + ": numeric marker " + m.getKey() + " as text '" + form + "'");
        }
      }
      for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
        byte[] d = ByteBuffer.allocate(8).order(order).putDouble(v).array();
        byte[] f = ByteBuffer.allocate(4).order(order).putFloat((float) v).array();
        if (latin1.contains(new String(d, StandardCharsets.ISO_8859_1))) {
          found.add(where + ": numeric marker " + m.getKey() + " as a " + order + " double");
        }
        if (latin1.contains(new String(f, StandardCharsets.ISO_8859_1))) {
          found.add(where + ": numeric marker " + m.getKey() + " as a " + order + " float");
        }
      }
    }
    return found;
  }
}
