package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.cohort.proto.v1.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * examples/credit/job-dp.spec.json (what {@code cohort-node audit --spec} reads, docs/privacy-audit.md)
 * is examples/credit/job-dp.yaml as the coordinator parses it; regenerate the JSON when the YAML changes.
 */
class AuditSpecJsonTest {
  @Test
  void theCreditDpSpecJsonMatchesTheYaml() throws Exception {
    JobSpec fromYaml = JobFiles.parse(Files.readString(Path.of("../examples/credit/job-dp.yaml")), "job-dp.yaml",
        "credit-risk-dp");
    JobSpec.Builder fromJson = JobSpec.newBuilder();
    JsonFormat.parser().merge(Files.readString(Path.of("../examples/credit/job-dp.spec.json")), fromJson);
    assertThat(fromJson.build()).isEqualTo(fromYaml);
  }
}
