package io.cohort.coordinator.job;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * The job file as written by an administrator (YAML, snake_case keys). Every field is
 * optional here; {@link JobFiles} applies defaults and checks ranges.
 */
record JobFile(
    String name,
    String task,
    String dataset,
    Integer rounds,
    Integer minNodes,
    Integer roundTimeoutSeconds,
    Long seed,
    Tabular tabular,
    Training training,
    SecureAggregation secureAggregation,
    Privacy privacy,
    Model model,
    Lora lora,
    Text text,
    Strategy strategy) {

  /**
   * {@code model:}: a language model's {@code name} and {@code sha256} ({@link LanguageModelBlocks}), or a tabular
   * job's DL4J network, {@code kind: dl4j} with {@code config: FILE}, whose contents {@link JobFiles#inlineModelFile}
   * puts into {@code config_json} or {@code config_zip} (base64) before the file leaves the submitting machine
   * ({@link TabularNetworkBlock}).
   */
  record Model(String name, String sha256, String kind, String config, String configJson, String configZip) {}

  /** {@code lora:}; every field optional. */
  /** {@code target_modules} may be a list or, as PEFT allows, one string (a regex or all-linear). */
  record Lora(Integer r, Double alpha, Double dropout,
      @com.fasterxml.jackson.annotation.JsonFormat(with = com.fasterxml.jackson.annotation.JsonFormat.Feature
          .ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> targetModules, Boolean freezeA) {}

  /**
   * {@code text:}; every field optional. {@code class_weight} is balanced or a map from label to weight
   * ({@link LanguageModelBlocks#text}).
   */
  record Text(Integer maxLength, String pooling, Integer numLabels, Double weightDecay, Object classWeight) {}

  /** {@code strategy:}; the FedAdam fields apply only to {@code kind: fedadam}. */
  record Strategy(String kind, Double serverLearningRate, Double beta1, Double beta2, Double tau) {}

  /**
   * {@code tabular:}. {@code missing} is the missing-value tokens of every feature column,
   * {@code columns} per-column overrides ({@link Column}); see {@link TabularBlock}. {@code task} is binary,
   * multiclass or regression ({@link TabularBlock#task}); {@code loss} a regression's mse or mae.
   */
  record Tabular(
      String label,
      List<String> classes,
      List<String> numeric,
      LinkedHashMap<String, List<String>> categorical,
      List<Integer> hiddenUnits,
      List<String> missing,
      LinkedHashMap<String, Column> columns,
      String standardize,
      Object classWeight,
      String task,
      String loss) {}

  /**
   * {@code tabular.columns.<name>:}; every field optional. {@code fill} may be a number or a string;
   * {@code range} is a numeric column's public [min, max] (issue 23 #2 under DP).
   */
  record Column(List<String> missing, String impute, Object fill, Boolean indicator, List<Double> range) {}

  /** {@code secure_aggregation:}; every field optional (on by default). */
  record SecureAggregation(Boolean enabled, Double clip, Integer bits, Integer threshold, Long maxExamples,
      String graph, Integer degree) {}

  /** {@code privacy:}; absent means non-private training. See {@link PrivacyBlock} for the rules. */
  record Privacy(Boolean enabled, Double epsilon, Double delta, Double noiseMultiplier, Double clipNorm,
      Double samplingRate, Integer expectedBatchSize, Integer localSteps, Integer localEpochs, String accountant,
      String optimizer, Double learningRate, Audit audit, String unit, Boolean publicValidation,
      Double evaluationNoiseMultiplier, String mode, Integer minHonest, Integer maxNodes,
      Double statisticsNoiseMultiplier) {}

  /** {@code privacy.audit:}; absent means no audit. See {@link PrivacyBlock#audit}. */
  record Audit(Integer canaries, Integer guesses, Double delta) {}

  record Training(
      Integer localEpochs, Integer batchSize, Double learningRate, Double validationFraction) {}
}
