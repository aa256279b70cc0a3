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
    Privacy privacy) {

  record Tabular(
      String label,
      List<String> classes,
      List<String> numeric,
      LinkedHashMap<String, List<String>> categorical,
      List<Integer> hiddenUnits) {}

  /** {@code secure_aggregation:}; every field optional (on by default). */
  record SecureAggregation(Boolean enabled, Double clip, Integer bits, Integer threshold, Long maxExamples) {}

  /** {@code privacy:}; absent means non-private training. See {@link PrivacyBlock} for the rules. */
  record Privacy(Boolean enabled, Double epsilon, Double delta, Double noiseMultiplier, Double clipNorm,
      Double samplingRate, Integer expectedBatchSize, Integer localSteps, Integer localEpochs, String accountant,
      String optimizer, Double learningRate) {}

  record Training(
      Integer localEpochs, Integer batchSize, Double learningRate, Double validationFraction) {}
}
