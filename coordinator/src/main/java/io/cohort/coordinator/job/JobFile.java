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
    Training training) {

  record Tabular(
      String label,
      List<String> classes,
      List<String> numeric,
      LinkedHashMap<String, List<String>> categorical,
      List<Integer> hiddenUnits) {}

  record Training(
      Integer localEpochs, Integer batchSize, Double learningRate, Double validationFraction) {}
}
