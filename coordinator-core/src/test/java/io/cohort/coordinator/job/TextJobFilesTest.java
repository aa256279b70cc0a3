package io.cohort.coordinator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.format.checkpoint.CheckpointDigest;
import io.cohort.proto.v1.AggregationStrategy;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.TaskType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Job files of language-model tasks: the model, lora, text and strategy blocks. */
class TextJobFilesTest {
  private static final String SHA = "b054c0e42eb19a268b7d5fe45f405c9b45819f484569eec51e52fd55d3122fee";
  private static final String MINIMAL = """
      task: sequence_classification
      dataset: reuters
      model: {name: tiny-gpt2-reuters, sha256: %s}
      """.formatted(SHA);
  private static final String DP = """
      privacy: {epsilon: 8, delta: 1.0e-5, clip_norm: 1.0, expected_batch_size: 16}
      """;

  @Test
  void shippedTextJobs_parseAndNameTheShippedCheckpointByItsContentHash() throws Exception {
    JobSpec spec = JobFiles.parse(Files.readString(Path.of("../examples/text/job.yaml")), "job.yaml", "j");
    assertThat(spec.getTask()).isEqualTo(TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION);
    assertThat(spec.getModel().getName()).isEqualTo("tiny-gpt2-reuters");
    assertThat(spec.getModel().getSha256())
        .isEqualTo(CheckpointDigest.of(Path.of("../examples/text/tiny-gpt2-reuters")));
    assertThat(spec.getSecureAggregation().getEnabled()).isTrue();
    assertThat(spec.getPrivacy().getEnabled()).isFalse();
    assertThat(spec.getLora().getFreezeA()).isFalse();

    JobSpec dp = JobFiles.parse(Files.readString(Path.of("../examples/text/job-dp.yaml")), "job-dp.yaml", "j");
    assertThat(dp.getPrivacy().getTargetEpsilon()).isEqualTo(8.0);
    assertThat(dp.getPrivacy().getDelta()).isEqualTo(1e-5);
    assertThat(dp.getLora().getFreezeA()).isTrue();
    assertThat(dp.getSecureAggregation().getEnabled()).isTrue();
    JobSpec eps3 = JobFiles.parse(Files.readString(Path.of("../examples/text/job-dp-eps3.yaml")), "e.yaml", "j");
    assertThat(eps3.getPrivacy().getTargetEpsilon()).isEqualTo(3.0);
    assertThat(eps3.toBuilder().clearName().setPrivacy(dp.getPrivacy()).build())
        .as("job-dp-eps3.yaml differs from job-dp.yaml only in its name and epsilon")
        .isEqualTo(dp.toBuilder().clearName().build());
  }

  @Test
  void minimalTextJob_getsTheDocumentedDefaults() throws Exception {
    JobSpec spec = JobFiles.parse(MINIMAL, "j.yaml", "x");
    assertThat(spec.getLora().getR()).isEqualTo(8);
    assertThat(spec.getLora().getAlpha()).isEqualTo(16.0);
    assertThat(spec.getLora().getDropout()).isZero();
    assertThat(spec.getLora().getTargetModulesList()).containsExactly("c_attn");
    assertThat(spec.getLora().getFreezeA()).isFalse();
    assertThat(spec.getText().getMaxLength()).isEqualTo(128);
    assertThat(spec.getText().getPooling()).isEqualTo(Pooling.POOLING_MEAN);
    assertThat(spec.getText().getNumLabels()).isEqualTo(2);
    assertThat(spec.getStrategy().getKind()).isEqualTo(AggregationStrategy.AGGREGATION_STRATEGY_FEDAVG);
    assertThat(spec.hasTabular()).isFalse();
  }

  @Test
  void freezeA_defaultsToTrueUnderDp_andAnExplicitValueWins() throws Exception {
    assertThat(JobFiles.parse(MINIMAL + DP, "j.yaml", "x").getLora().getFreezeA()).isTrue();
    assertThat(JobFiles.parse(MINIMAL + DP + "lora: {freeze_a: false}\n", "j.yaml", "x").getLora().getFreezeA())
        .isFalse();
    assertThat(JobFiles.parse(MINIMAL + "lora: {freeze_a: true}\n", "j.yaml", "x").getLora().getFreezeA()).isTrue();
  }

  @Test
  void fedAdam_getsItsDefaults_andExplicitValues() throws Exception {
    var s = JobFiles.parse(MINIMAL + "strategy: {kind: fedadam}\n", "j.yaml", "x").getStrategy();
    assertThat(s.getKind()).isEqualTo(AggregationStrategy.AGGREGATION_STRATEGY_FEDADAM);
    assertThat(s.getServerLearningRate()).isEqualTo(0.01);
    assertThat(s.getBeta1()).isEqualTo(0.9);
    assertThat(s.getBeta2()).isEqualTo(0.99);
    assertThat(s.getTau()).isEqualTo(1e-3);
    var t = JobFiles.parse(MINIMAL + "strategy: {kind: fedadam, server_learning_rate: 0.1, tau: 0.01}\n", "j.yaml",
        "x").getStrategy();
    assertThat(t.getServerLearningRate()).isEqualTo(0.1);
    assertThat(t.getTau()).isEqualTo(0.01);
  }

  @Test
  void causalLm_needsNoLabelsOrPooling_andRefusesThem() throws Exception {
    String lm = MINIMAL.replace("sequence_classification", "causal_lm");
    JobSpec spec = JobFiles.parse(lm, "j.yaml", "x");
    assertThat(spec.getTask()).isEqualTo(TaskType.TASK_TYPE_CAUSAL_LM);
    assertThat(spec.getText().getNumLabels()).isZero();
    assertThat(spec.getText().getPooling()).isEqualTo(Pooling.POOLING_UNSPECIFIED);
    assertThatThrownBy(() -> JobFiles.parse(lm + "text: {pooling: mean, num_labels: 2}\n", "j.yaml", "x"))
        .hasMessageContaining("field 'text.pooling' applies only to task sequence_classification")
        .hasMessageContaining("field 'text.num_labels' applies only to task sequence_classification");
  }

  @Test
  void chatSft_isALanguageModelTaskWithoutLabels_andTakesThePrivacyBlock() throws Exception {
    String chat = MINIMAL.replace("sequence_classification", "chat_sft");
    JobSpec spec = JobFiles.parse(chat + DP, "j.yaml", "x");
    assertThat(spec.getTask()).isEqualTo(TaskType.TASK_TYPE_CHAT_SFT);
    assertThat(spec.getPrivacy().getEnabled()).isTrue();
    assertThat(spec.getModel().getName()).isEqualTo("tiny-gpt2-reuters");
    assertThatThrownBy(() -> JobFiles.parse(chat + "text: {num_labels: 2}\n", "j.yaml", "x"))
        .hasMessageContaining("field 'text.num_labels' applies only to task sequence_classification");
  }

  @Test
  void invalidTextJob_listsEveryProblemWithItsFieldPath() {
    String yaml = """
        task: sequence_classification
        dataset: reuters
        model: {name: tiny-gpt2-reuters, sha256: abc123}
        tabular: {label: y, classes: [a, b], numeric: [x]}
        lora: {r: 0, alpha: -1, dropout: 1.0, target_modules: []}
        text: {max_length: 50000, pooling: max, num_labels: 1}
        strategy: {kind: fedprox}
        privacy: {epsilon: -2, delta: 1, clip_norm: 1.0, sampling_rate: 0.01}
        """;
    assertThatThrownBy(() -> JobFiles.parse(yaml, "j.yaml", "x"))
        .isInstanceOf(JobFileException.class)
        .hasMessageStartingWith("j.yaml: 12 problems:")
        .hasMessageContaining("field 'model.sha256' must be 64 hex characters, got 'abc123' (6 characters)")
        .hasMessageContaining("field 'tabular' applies only to task tabular_classification")
        .hasMessageContaining("field 'lora.r' must be between 1 and 1024, got 0")
        .hasMessageContaining("field 'lora.alpha' must be in (0, 10000], got -1.0")
        .hasMessageContaining("field 'lora.dropout' must be in [0, 1), got 1.0")
        .hasMessageContaining("field 'lora.target_modules' must name at least one module")
        .hasMessageContaining("field 'text.max_length' must be between 2 and 32768, got 50000")
        .hasMessageContaining("field 'text.pooling' must be mean or last_token, got 'max'")
        .hasMessageContaining("field 'text.num_labels' must be between 2 and 10000, got 1")
        .hasMessageContaining("field 'strategy.kind' must be fedavg or fedadam, got 'fedprox'")
        .hasMessageContaining("field 'privacy.epsilon' must be in (0, 1000], got -2.0")
        .hasMessageContaining("field 'privacy.delta' must be in (0, 1), got 1.0");
  }

  @Test
  void missingModel_andUnknownTask_areNamed() {
    assertThatThrownBy(() -> JobFiles.parse("task: sequence_classification\ndataset: reuters\n", "j.yaml", "x"))
        .hasMessage("j.yaml: field 'model' is required for a language-model task (model: {name: ..., sha256: ...},"
            + " the sha256 as `cohort-node model hash DIR` prints it)");
    assertThatThrownBy(() -> JobFiles.parse("task: causal_lm\ndataset: r\nmodel: {sha256: " + SHA + "}\n", "j.yaml",
        "x")).hasMessageContaining("field 'model.name' is required");
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL.replace("sequence_classification", "translation"), "j.yaml", "x"))
        .hasMessage("j.yaml: field 'task' must be tabular (or tabular_classification), sequence_classification,"
            + " causal_lm or chat_sft, got 'translation'");
  }

  @Test
  void languageModelBlocksOnATabularJob_andFedAdamSettingsUnderFedAvg_areRefused() {
    String tabular = """
        task: tabular_classification
        dataset: credit
        tabular: {label: class, classes: [good, bad], numeric: [age]}
        model: {name: m, sha256: %s}
        text: {max_length: 64}
        strategy: {kind: fedavg, beta1: 0.5}
        """.formatted(SHA);
    assertThatThrownBy(() -> JobFiles.parse(tabular, "j.yaml", "x"))
        .hasMessageStartingWith("j.yaml: 3 problems:")
        .hasMessageContaining("field 'model' applies only to tasks sequence_classification, causal_lm and chat_sft")
        .hasMessageContaining("field 'text' applies only to tasks sequence_classification, causal_lm and chat_sft")
        .hasMessageContaining("field 'strategy' sets server_learning_rate, beta1, beta2 or tau, which apply only"
            + " to kind: fedadam");
  }

  @Test
  void fedAdamOutOfRange_andBadTargetModules_areNamed() {
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "strategy: {kind: fedadam, beta2: 1.0, tau: 0}\n"
        + "lora: {target_modules: [c_attn, c_attn]}\n", "j.yaml", "x"))
        .hasMessageStartingWith("j.yaml: 3 problems:")
        .hasMessageContaining("field 'strategy.beta2' must be in [0, 1), got 1.0")
        .hasMessageContaining("field 'strategy.tau' must be in (0, 1], got 0.0")
        .hasMessageContaining("field 'lora.target_modules' must list distinct module names");
  }

  @Test
  void shippedLlamaJobs_parse_withLlamaTargetModules_andTheCheckpointsContentHashes() throws Exception {
    JobSpec lm = JobFiles.parse(Files.readString(Path.of("../examples/llama/job-causal-lm.yaml")), "a.yaml", "j");
    assertThat(lm.getTask()).isEqualTo(TaskType.TASK_TYPE_CAUSAL_LM);
    assertThat(lm.getModel().getSha256()).isEqualTo(CheckpointDigest.of(Path.of("../examples/llama/tiny-llama3")));
    assertThat(lm.getLora().getTargetModulesList()).containsExactly("q_proj", "v_proj");
    assertThat(lm.getPrivacy().getEnabled()).isTrue();
    assertThat(lm.getSecureAggregation().getEnabled()).isTrue();
    JobSpec cls = JobFiles.parse(Files.readString(Path.of("../examples/llama/job-classify.yaml")), "b.yaml", "j");
    assertThat(cls.getTask()).isEqualTo(TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION);
    assertThat(cls.getModel().getSha256()).isEqualTo(CheckpointDigest.of(Path.of("../examples/llama/tiny-qwen3")));
    assertThat(cls.getLora().getTargetModulesList()).containsExactly("all-linear");
  }

  @Test
  void targetModules_acceptNamesPathsOneRegexOrAllLinear_andRefuseTheRestByField() throws Exception {
    for (String ok : new String[] {"[q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]",
        "[model.layers.1.self_attn.q_proj]", "[h.3.attn.c_attn]", "'.*\\.(q_proj|v_proj)'",
        "['model\\.layers\\.[01]\\..*_proj']", "all-linear", "[all-linear]"}) {
      JobSpec spec = JobFiles.parse(MINIMAL + "lora: {target_modules: " + ok + "}\n", "j.yaml", "x");
      assertThat(spec.getLora().getTargetModulesCount()).as(ok).isEqualTo(ok.startsWith("[q_proj") ? 7 : 1);
    }
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "lora: {target_modules: [q_proj, all-linear]}\n", "j.yaml",
        "x")).hasMessageContaining("field 'lora.target_modules' may hold all-linear or a regular expression only as"
        + " its single entry");
    assertThatThrownBy(() -> JobFiles.parse(MINIMAL + "lora: {target_modules: ['(q_proj']}\n", "j.yaml", "x"))
        .hasMessageContaining("field 'lora.target_modules' regular expression '(q_proj' is invalid")
        .hasMessageNotContaining("\tat ");
  }
}
