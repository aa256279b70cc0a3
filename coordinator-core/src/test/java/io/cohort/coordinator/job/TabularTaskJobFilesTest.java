package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.RegressionLoss;
import io.cohort.proto.v1.TabularTask;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code tabular.task} (binary, multiclass, regression) and a regression's {@code tabular.loss} (issue 24). */
class TabularTaskJobFilesTest {
  private static final String REGRESSION = """
      task: tabular
      dataset: pima
      tabular:
        task: regression
        label: glucose
        numeric: [bmi, age]
      """;

  @Test
  void regression_hasNoClasses_andDefaultsToMse() throws Exception {
    JobSpec spec = JobFiles.parse(REGRESSION, "j.yaml", "j");
    assertThat(spec.getTabular().getTask()).isEqualTo(TabularTask.TABULAR_TASK_REGRESSION);
    assertThat(spec.getTabular().getRegressionLoss()).isEqualTo(RegressionLoss.REGRESSION_LOSS_MSE);
    assertThat(spec.getTabular().getClassesList()).isEmpty();
    assertThat(JobFiles.parse(REGRESSION.replace("task: regression", "task: regression\n  loss: mae"), "j.yaml", "j")
        .getTabular().getRegressionLoss()).isEqualTo(RegressionLoss.REGRESSION_LOSS_MAE);
  }

  @Test
  void multiclass_andBinary_checkTheirClasses() throws Exception {
    String three = REGRESSION.replace("task: regression", "task: multiclass\n  classes: [a, b, c]");
    assertThat(JobFiles.parse(three, "j.yaml", "j").getTabular().getTask())
        .isEqualTo(TabularTask.TABULAR_TASK_MULTICLASS);
    assertThatThrownBy(() -> JobFiles.parse(three.replace("[a, b, c]", "[a, b]"), "j.yaml", "j"))
        .hasMessage("j.yaml: field 'tabular.classes' must list at least 3 values for task multiclass, got 2 (use"
            + " tabular.task: binary)");
    assertThatThrownBy(() -> JobFiles.parse(three.replace("multiclass", "binary"), "j.yaml", "j"))
        .hasMessageContaining("field 'tabular.classes' must list exactly 2 values for task binary, got 3");
  }

  @Test
  void mistakes_nameTheFieldAndWhatIsValid() {
    assertThatThrownBy(() -> JobFiles.parse(REGRESSION.replace("task: regression", "task: ordinal"), "j.yaml", "j"))
        .hasMessage("j.yaml: field 'tabular.task' must be binary, multiclass or regression, got 'ordinal'");
    assertThatThrownBy(() -> JobFiles.parse(REGRESSION.replace("numeric:", "classes: [x, y]\n  numeric:"), "j.yaml",
        "j")).hasMessageContaining("field 'tabular.classes' does not apply to task regression: its label 'glucose'");
    assertThatThrownBy(() -> JobFiles.parse(REGRESSION.replace("task: regression", "task: regression\n  loss: huber"),
        "j.yaml", "j")).hasMessage("j.yaml: field 'tabular.loss' must be mse or mae, got 'huber'");
    assertThatThrownBy(() -> JobFiles.parse(REGRESSION.replace("  task: regression\n", ""), "j.yaml", "j"))
        .hasMessageContaining("field 'tabular.classes' must list at least two distinct label values, got []"
            + " (for a numeric label set tabular.task: regression)");
    assertThatThrownBy(() -> JobFiles.parse(REGRESSION.replace("task: regression", "task: regression\n"
        + "  class_weight: balanced"), "j.yaml", "j"))
        .hasMessageContaining("field 'tabular.class_weight' applies to classification only");
    assertThatThrownBy(() -> JobFiles.parse(REGRESSION.replace("task: regression", "task: binary\n  loss: mse\n"
        + "  classes: [a, b]"), "j.yaml", "j"))
        .hasMessageContaining("field 'tabular.loss' applies to task regression only");
  }

  @Test
  void aJobFileWithoutTask_keepsTheSpecItHad() throws Exception {
    JobSpec spec = JobFiles.parse(Files.readString(Path.of("../examples/credit/job.yaml")), "job.yaml", "j");
    assertThat(spec.getTabular().getTask()).isEqualTo(TabularTask.TABULAR_TASK_UNSPECIFIED);
    assertThat(spec.getTabular().getRegressionLoss()).isEqualTo(RegressionLoss.REGRESSION_LOSS_UNSPECIFIED);
  }
}
