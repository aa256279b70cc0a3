package io.cohort.coordinator.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.proto.v1.SecAggTask;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.JobTerms;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 21 #4: every task that carries a JobSpec leaves the coordinator stamped with the spec's canonical hash. */
class TaskTermsStampTest {
  @Test
  void everyQueuedTaskCarriesTheCanonicalHashOfItsSpec() throws Exception {
    NodeRegistry registry = new NodeRegistry(Clock.systemUTC(), Duration.ofSeconds(1));
    NodeSession s = registry.register("n1", "test", List.of("credit"));
    JobSpec spec = JobSpec.newBuilder().setJobId("job-1").setDatasetAlias("credit").setRounds(3)
        .setPrivacy(PrivacySpec.newBuilder().setEnabled(true).setNoiseMultiplier(1.1).setClipNorm(1.0)).build();
    registry.enqueue(s, Task.newBuilder().setTaskId("t1").setJobId("job-1")
        .setTrain(TrainTask.newBuilder().setSpec(spec).setRound(1)).build());
    registry.enqueue(s, Task.newBuilder().setTaskId("t2").setJobId("job-1")
        .setSecagg(SecAggTask.newBuilder().setSpec(spec).setRound(1)).build());
    for (String id : List.of("t1", "t2")) {
      Task t = registry.poll(s, Duration.ZERO).orElseThrow();
      assertThat(t.getTaskId()).isEqualTo(id);
      assertThat(t.getJobTermsSha256()).hasSize(64).isEqualTo(JobTerms.sha256Hex(spec));
    }
    registry.close();
  }

  @Test
  void theHashIsStableAcrossReserialisation_andChangesWithAnyTerm() throws Exception {
    JobSpec spec = JobSpec.newBuilder().setJobId("job-1").setRounds(3)
        .setPrivacy(PrivacySpec.newBuilder().setEnabled(true).setNoiseMultiplier(1.1).setClipNorm(1.0)).build();
    String h = JobTerms.sha256Hex(spec);
    assertThat(JobTerms.sha256Hex(JobSpec.parseFrom(spec.toByteArray()))).isEqualTo(h);
    assertThat(JobTerms.sha256Hex(spec.toBuilder().setPrivacy(spec.getPrivacy().toBuilder().setNoiseMultiplier(1.2))
        .build())).isNotEqualTo(h);
    assertThat(JobTerms.sha256Hex(spec.toBuilder().setPrivacy(spec.getPrivacy().toBuilder().setClipNorm(2.0))
        .build())).isNotEqualTo(h);
    assertThat(new String(JobTerms.canonical(spec), 0, 20, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("cohort-job-terms-v1\n");
  }
}
