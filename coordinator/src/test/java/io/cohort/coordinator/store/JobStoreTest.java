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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real Flyway migrations on an H2 file database, as the coordinator does. */
class JobStoreTest {
  @TempDir Path dir;
  private JobStore store;
  private JobSpec spec;

  @BeforeEach
  void setUp() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE");
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    store = new JobStore(ds);
    spec = JobFiles.parse(Files.readString(Path.of("../examples/credit/job.yaml")), "job.yaml", "job-abc");
    store.createJob(spec, Instant.now());
  }

  private RoundRecord round(int r) {
    return new RoundRecord("job-abc", r, 1, List.of("a", "b"), List.of("a"), 10, "job-abc/round-" + r, "00".repeat(32),
        Instant.now(), Instant.now(), null);
  }

  @Test
  void storedSpec_roundTripsExactly() {
    assertThat(store.job("job-abc")).hasValueSatisfying(j -> {
      assertThat(j.spec()).isEqualTo(spec);
      assertThat(j.state()).isEqualTo(JobState.OFFERED);
    });
    assertThat(store.activeJobs()).extracting(JobRecord::jobId).containsExactly("job-abc");
  }

  @Test
  void completingARoundTwice_failsAndChangesNothing() {
    store.completeRound(round(1), Instant.now());
    assertThatThrownBy(() -> store.completeRound(round(1), Instant.now())).hasMessageContaining("not recorded");
    assertThatThrownBy(() -> store.completeRound(round(3), Instant.now())).hasMessageContaining("not recorded");
    assertThat(store.rounds("job-abc")).extracting(RoundRecord::round).containsExactly(1);
    assertThat(store.job("job-abc").orElseThrow().completedRounds()).isEqualTo(1);
  }

  @Test
  void evaluationAndDecisions_arePersisted() {
    store.completeRound(round(1), Instant.now());
    store.recordEvaluation("job-abc", 1, new RoundRecord.Evaluation(2, 200, 0.5, 0.75, Double.NaN));
    RoundRecord.Evaluation e = store.rounds("job-abc").get(0).evaluation();
    assertThat(e.examples()).isEqualTo(200);
    assertThat(e.rocAuc()).isNaN();
    store.recordDecision(new NodeDecision("job-abc", "n1", false, "no data", Instant.now()));
    store.recordDecision(new NodeDecision("job-abc", "n1", true, null, Instant.now()));
    assertThat(store.decisions("job-abc")).singleElement().satisfies(d -> assertThat(d.accepted()).isTrue());
  }

  @Test
  void terminalJobs_areNotResumed() {
    store.setState("job-abc", JobState.COMPLETED, null, Instant.now());
    assertThat(store.activeJobs()).isEmpty();
  }
}
