package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Issue 21 #7: a replayed training task is refused; a retry of the newest round under a new id is not. */
class TaskReplaysTest {
  @Test
  void sameTaskIdOrAnOlderRound_isRefused_aRetryOfTheNewestRoundIsNot() {
    TaskReplays r = new TaskReplays();
    assertThat(r.check("job-1", "t1", 1)).isEmpty();
    assertThat(r.check("job-1", "t2", 2)).isEmpty();
    assertThat(r.check("job-1", "t2-retry", 2)).as("the coordinator retries a round").isEmpty();
    assertThat(r.check("job-1", "t1", 1)).hasValueSatisfying(m -> assertThat(m)
        .contains("replayed task: task t1 of job job-1 (round 1) was handled before"));
    assertThat(r.check("job-1", "t1-new-id", 1)).hasValueSatisfying(m -> assertThat(m)
        .contains("round 1 of job job-1 is older than round 2"));
    assertThat(r.check("job-2", "u1", 1)).as("rounds are per job").isEmpty();
  }
}
