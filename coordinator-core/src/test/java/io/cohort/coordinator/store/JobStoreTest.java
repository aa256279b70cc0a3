package io.cohort.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.job.JobFiles;
import io.cohort.coordinator.job.JobState;
import io.cohort.proto.v1.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import java.security.SecureRandom;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Runs the real Flyway migrations, as the coordinator does, on an H2 file database and, when
 * {@code COHORT_TEST_POSTGRES_URL} is set (as {@code .ci/run} does after starting Debian's
 * PostgreSQL), on PostgreSQL too, each test in a fresh schema.
 */
class JobStoreTest {
  @TempDir Path dir;
  private JobStore store;
  private JobSpec spec;

  static Stream<String> databases() {
    String pg = System.getenv("COHORT_TEST_POSTGRES_URL");
    return pg == null || pg.isBlank() ? Stream.of("h2") : Stream.of("h2", "postgresql");
  }

  private DataSource dataSource(String db) {
    if (db.equals("h2")) {
      JdbcDataSource ds = new JdbcDataSource();
      ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE");
      return ds;
    }
    String schema = "t" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
    String url = System.getenv("COHORT_TEST_POSTGRES_URL");
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
    Flyway.configure().dataSource(ds).schemas(schema).createSchemas(true).locations("classpath:db/migration").load().migrate();
    return ds;
  }

  void setUp(String db) throws Exception {
    DataSource ds = dataSource(db);
    if (db.equals("h2")) {
      Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    }
    store = new JobStore(ds);
    spec = JobFiles.parse(Files.readString(Path.of("../examples/credit/job.yaml")), "job.yaml", "job-abc");
    store.createJob(spec, Instant.now());
  }

  private RoundRecord round(int r) {
    return new RoundRecord("job-abc", r, 1, List.of("a", "b"), List.of("a"), 10, "job-abc/round-" + r, "00".repeat(32),
        Instant.now(), Instant.now(), null);
  }

  @ParameterizedTest
  @MethodSource("databases")
  void storedSpec_roundTripsExactly(String db) throws Exception {
    setUp(db);
    assertThat(store.job("job-abc")).hasValueSatisfying(j -> {
      assertThat(j.spec()).isEqualTo(spec);
      assertThat(j.state()).isEqualTo(JobState.OFFERED);
    });
    assertThat(store.activeJobs()).extracting(JobRecord::jobId).containsExactly("job-abc");
  }

  @ParameterizedTest
  @MethodSource("databases")
  void completingARoundTwice_failsAndChangesNothing(String db) throws Exception {
    setUp(db);
    store.completeRound(round(1), Instant.now());
    assertThatThrownBy(() -> store.completeRound(round(1), Instant.now())).hasMessageContaining("not recorded");
    assertThatThrownBy(() -> store.completeRound(round(3), Instant.now())).hasMessageContaining("not recorded");
    assertThat(store.rounds("job-abc")).extracting(RoundRecord::round).containsExactly(1);
    assertThat(store.job("job-abc").orElseThrow().completedRounds()).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("databases")
  void evaluationAndDecisions_arePersisted(String db) throws Exception {
    setUp(db);
    store.completeRound(round(1), Instant.now());
    store.recordEvaluation("job-abc", 1, new RoundRecord.Evaluation(2, 200, 0.5, 0.75, Double.NaN));
    RoundRecord.Evaluation e = store.rounds("job-abc").get(0).evaluation();
    assertThat(e.examples()).isEqualTo(200);
    assertThat(e.rocAuc()).isNaN();
    assertThat(e.f1()).isNaN();
    store.completeRound(round(2), Instant.now());
    store.recordEvaluation("job-abc", 2, new RoundRecord.Evaluation(2, 200, 0.5, 0.75, 0.9, 0.4));
    assertThat(store.rounds("job-abc").get(1).evaluation().f1()).isEqualTo(0.4);
    assertThat(store.rounds("job-abc").get(1).evaluation().bestF1()).as("not given: null in the table").isNaN();
    store.completeRound(round(3), Instant.now());
    RoundRecord.Evaluation full = new RoundRecord.Evaluation(2, 200, 0.5, 0.75, 0.9, 0.4, 0.62, 0.5, 0.33, 0.271, 0.55);
    store.recordEvaluation("job-abc", 3, full);
    assertThat(store.rounds("job-abc").get(2).evaluation()).isEqualTo(full);
    assertThat(full.rmse()).as("a classification round has no regression metrics").isNaN();
    store.completeRound(round(4), Instant.now());
    double nan = Double.NaN;
    RoundRecord.Evaluation regression = new RoundRecord.Evaluation(3, 200, 4.1e6, nan, nan, nan, nan, nan, nan, nan,
        nan, 2024.9, 1391.2, 0.47);
    store.recordEvaluation("job-abc", 4, regression);
    assertThat(store.rounds("job-abc").get(3).evaluation()).isEqualTo(regression);
    store.recordDecision(new NodeDecision("job-abc", "n1", false, "no data", Instant.now()));
    store.recordDecision(new NodeDecision("job-abc", "n1", true, null, Instant.now()));
    assertThat(store.decisions("job-abc")).singleElement().satisfies(d -> assertThat(d.accepted()).isTrue());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void scoreHistogramsAndEachNodesMetrics_arePersisted_andAReEvaluationReplacesThem(String db) throws Exception {
    setUp(db);
    store.completeRound(round(1), Instant.now());
    long[] pos = new long[1000];
    long[] neg = new long[1000];
    pos[999] = 7;
    pos[612] = 3;
    neg[0] = 40;
    neg[612] = 1;
    ScoreHistograms histograms = new ScoreHistograms(pos, neg);
    double nan = Double.NaN;
    RoundRecord.Evaluation a = new RoundRecord.Evaluation(1, 30, 0.41, 0.9, 0.95, 0.8, 0.88, nan, nan, nan, nan,
        nan, nan, nan);
    RoundRecord.Evaluation b = new RoundRecord.Evaluation(1, 21, 0.52, 0.85, 0.91, 0.7, 0.83, nan, nan, nan, nan,
        nan, nan, nan);
    RoundRecord.Evaluation pooled = new RoundRecord.Evaluation(2, 51, 0.45, 0.88, 0.93, 0.75);
    store.recordEvaluation("job-abc", 1, pooled, histograms,
        List.of(new NodeEvaluation(1, "node-a", a, NodeEvaluation.EXACT),
            new NodeEvaluation(1, "node-b", b, NodeEvaluation.NOISED)));
    assertThat(store.scoreHistograms("job-abc", 1)).contains(histograms);
    assertThat(store.nodeEvaluations("job-abc")).containsExactly(new NodeEvaluation(1, "node-a", a, "exact"),
        new NodeEvaluation(1, "node-b", b, "noised"));
    store.recordEvaluation("job-abc", 1, pooled, null, List.of(new NodeEvaluation(1, "node-b", b, "exact")));
    assertThat(store.scoreHistograms("job-abc", 1)).isEmpty();
    assertThat(store.nodeEvaluations("job-abc")).extracting(NodeEvaluation::nodeId).containsExactly("node-b");
    assertThat(store.scoreHistograms("job-abc", 2)).as("no such round").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void terminalJobs_areNotResumed(String db) throws Exception {
    setUp(db);
    store.setState("job-abc", JobState.COMPLETED, null, Instant.now());
    assertThat(store.activeJobs()).isEmpty();
  }
}
