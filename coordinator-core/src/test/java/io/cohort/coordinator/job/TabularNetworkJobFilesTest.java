package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model: {kind: dl4j, config: FILE}} in a tabular job: inlined by the submitter, carried in the spec. */
class TabularNetworkJobFilesTest {
  private static final String JOB = """
      task: tabular_classification
      dataset: credit
      tabular:
        label: class
        classes: [good, 'yes']
        numeric: [age]
      model:
        kind: dl4j
        config: net.json
      """;
  private static final String CONF = "{\"confs\": [], \"backpropType\": \"Standard\"}";

  @Test
  void configFile_isInlined_andTravelsInTheSpec_hashStably(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("net.json"), CONF);
    Path job = dir.resolve("job.yaml");
    String inlined = JobFiles.inlineModelFile(JOB, job);
    JobSpec a = JobFiles.parse(inlined, "job.yaml", "job-1");
    JobSpec b = JobFiles.parse(JobFiles.inlineModelFile(JOB, job), "job.yaml", "job-1");
    assertThat(a.getTabular().getNetwork().getKind()).isEqualTo("dl4j");
    assertThat(a.getTabular().getNetwork().getDl4JConfigurationJson()).isEqualTo(CONF);
    assertThat(a.getTabular().getNetwork().getSource()).isEqualTo("net.json");
    assertThat(a.getTabular().getHiddenUnitsList()).isEmpty();
    assertThat(a.getTabular().getClassesList()).containsExactly("good", "yes");
    assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
  }

  @Test
  void jobWithoutModel_isUnchangedByInlining_andItsSpecHasNoNetwork() throws Exception {
    String yaml = Files.readString(Path.of("../examples/credit/job.yaml"));
    assertThat(JobFiles.inlineModelFile(yaml, Path.of("../examples/credit/job.yaml"))).isSameAs(yaml);
    assertThat(JobFiles.parse(yaml, "job.yaml", "j").getTabular().hasNetwork()).isFalse();
  }

  @Test
  void zip_isCarriedAsBytes(@TempDir Path dir) throws Exception {
    byte[] zip = {'P', 'K', 3, 4, 1, 2, 3};
    Files.write(dir.resolve("net.zip"), zip);
    JobSpec spec = JobFiles.parse(JobFiles.inlineModelFile(JOB.replace("net.json", "net.zip"), dir.resolve("j.yaml")),
        "j.yaml", "j");
    assertThat(spec.getTabular().getNetwork().getDl4JModelZip().toByteArray()).isEqualTo(zip);
  }

  @Test
  void badBlocks_areNamed(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> JobFiles.inlineModelFile(JOB, dir.resolve("job.yaml")))
        .hasMessageContaining("field 'model.config' names").hasMessageContaining("no such file");
    assertThatThrownBy(() -> JobFiles.parse(JOB, "job.yaml", "j"))
        .hasMessageContaining("only the submitting machine can read");
    Files.writeString(dir.resolve("net.json"), "{not json");
    assertThatThrownBy(() -> JobFiles.parse(JobFiles.inlineModelFile(JOB, dir.resolve("job.yaml")), "job.yaml", "j"))
        .hasMessageContaining("field 'model.config' is not valid JSON");
    assertThatThrownBy(() -> JobFiles.parse(JOB.replace("dl4j", "onnx"), "job.yaml", "j"))
        .hasMessageContaining("field 'model.kind' must be dl4j");
    Files.writeString(dir.resolve("net.json"), CONF);
    String both = JobFiles.inlineModelFile(JOB.replace("numeric: [age]", "numeric: [age]\n  hidden_units: [8]"),
        dir.resolve("job.yaml"));
    assertThatThrownBy(() -> JobFiles.parse(both, "job.yaml", "j"))
        .hasMessageContaining("tabular.hidden_units").hasMessageContaining("applies only to the default MLP");
  }
}
