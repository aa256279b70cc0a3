package io.cohort.coordinator.job;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cohort.proto.v1.CategoricalColumn;
import io.cohort.proto.v1.ClassWeight;
import io.cohort.proto.v1.ColumnPreprocessing;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.MaskingGraphKind;
import io.cohort.proto.v1.SecureAggregationSpec;
import io.cohort.proto.v1.Standardize;
import io.cohort.proto.v1.TabularNetworkSpec;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.proto.v1.TabularTask;
import io.cohort.proto.v1.RegressionLoss;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TrainingConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a YAML job file into a validated {@link JobSpec}. Every error names the file and either
 * the line and column (syntax, unknown or mistyped fields) or the field path and the valid range.
 */
public final class JobFiles {
  static final int MAX_ROUNDS = 100_000;
  static final int DEFAULT_ROUND_TIMEOUT_SECONDS = 120;
  static final double DEFAULT_CLIP = 1.0;
  static final int DEFAULT_BITS = 16;
  static final long DEFAULT_MAX_EXAMPLES = 10_000;

  private static final ObjectMapper YAML = newMapper();

  private JobFiles() {}

  private static ObjectMapper newMapper() {
    ObjectMapper m = new ObjectMapper(new YAMLFactory());
    m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    // YAML 1.1 reads yes/no/on/off as booleans; a category named "yes" must be quoted rather
    // than silently become "true".
    m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    return m;
  }

  /**
   * The job file with its {@code model.config: FILE} (a tabular job's DL4J network, resolved against the job
   * file's folder) read into the YAML itself, as {@code config_json} (a .json file) or {@code config_zip}
   * (base64 of a ModelSerializer zip), because the coordinator and the nodes cannot read the submitter's
   * files. A job file without one is returned unchanged.
   *
   * @throws JobFileException naming the job file and the file it could not read
   */
  public static String inlineModelFile(String yaml, java.nio.file.Path jobFile) throws JobFileException {
    com.fasterxml.jackson.databind.JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      return yaml; // parse() reports it with its line and column
    }
    if (tree == null || !(tree.get("model") instanceof com.fasterxml.jackson.databind.node.ObjectNode model)
        || !model.hasNonNull("config") || !model.get("config").isTextual() || model.has("config_json")
        || model.has("config_zip")) {
      return yaml;
    }
    String name = model.get("config").asText();
    java.nio.file.Path dir = jobFile.toAbsolutePath().getParent();
    java.nio.file.Path file = dir == null ? java.nio.file.Path.of(name) : dir.resolve(name);
    byte[] bytes;
    try {
      bytes = java.nio.file.Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new JobFileException(jobFile + ": field 'model.config' names " + file + ", which cannot be read ("
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
    }
    if (name.toLowerCase(java.util.Locale.ROOT).endsWith(".zip")) {
      model.put("config_zip", java.util.Base64.getEncoder().encodeToString(bytes));
    } else {
      model.put("config_json", new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }
    try {
      return YAML.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new JobFileException(jobFile + ": cannot write the job with its model inlined (" + e.getMessage() + ")");
    }
  }

  /**
   * Parses and validates a job file.
   *
   * @param source how to name the file in messages, e.g. its path
   * @param jobId the id the coordinator assigned to the job
   */
  public static JobSpec parse(String yaml, String source, String jobId) throws JobFileException {
    if (yaml == null || yaml.isBlank()) {
      throw new JobFileException(source + ": the job file is empty");
    }
    JobFile file;
    try {
      file = YAML.readValue(yaml, JobFile.class);
    } catch (UnrecognizedPropertyException e) {
      throw new JobFileException(
          where(source, keyLocation(yaml, e.getPropertyName(), e.getLocation())) + "unknown field '" + e.getPropertyName() + "'"
              + (e.getPath().size() > 1 ? " in '" + path(e) + "'" : "")
              + " (valid: " + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")");
    } catch (JsonMappingException e) {
      String field = path(e);
      throw new JobFileException(
          where(source, e.getLocation()) + (field.isEmpty() ? "" : "field '" + field + "': ")
              + firstLine(e.getOriginalMessage()) + hintFor(e));
    } catch (JsonProcessingException e) {
      throw new JobFileException(where(source, e.getLocation()) + firstLine(e.getOriginalMessage()));
    }
    if (file == null) {
      throw new JobFileException(source + ": the job file is empty");
    }
    return new Validator(source).toSpec(file, jobId);
  }

  /**
   * Jackson's YAML parser reports an unknown key at the token after it; point at the key's own
   * line instead: the last line at or before the reported one that starts with {@code name:}.
   */
  private static JsonLocation keyLocation(String yaml, String name, JsonLocation reported) {
    if (reported == null) {
      return null;
    }
    String[] lines = yaml.split("\\R", -1);
    for (int i = Math.min(reported.getLineNr(), lines.length) - 1; i >= 0; i--) {
      String stripped = lines[i].stripLeading();
      if (stripped.startsWith(name + ":") || stripped.startsWith("- " + name + ":")) {
        return new JsonLocation(reported.contentReference(), -1L, i + 1, lines[i].indexOf(name) + 1);
      }
    }
    return reported;
  }

  private static String hintFor(JsonMappingException e) {
    String msg = String.valueOf(e.getOriginalMessage());
    return msg.contains("Boolean") ? " (quote values such as yes, no, on and off)" : "";
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String where(String source, JsonLocation loc) {
    if (loc == null || loc.getLineNr() <= 0) {
      return source + ": ";
    }
    return source + " line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid YAML";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Range checks and defaults; lists every problem with its field path (the first of each part). */
  private static final class Validator {
    private final String source;

    Validator(String source) {
      this.source = source;
    }

    private JobFileException error(String field, String message) {
      return new JobFileException(source + ": field '" + field + "' " + message);
    }

    private String required(String value, String field) throws JobFileException {
      if (value == null || value.isBlank()) {
        throw error(field, "is required");
      }
      return value.strip();
    }

    private int intInRange(Integer value, int dflt, int min, int max, String field) throws JobFileException {
      int v = value == null ? dflt : value;
      if (v < min || v > max) {
        throw error(field, "must be between " + min + " and " + max + ", got " + v);
      }
      return v;
    }

    /** One independent part of the validation; its first problem is collected, the others still run. */
    private interface Part {
      void check() throws JobFileException;
    }

    private void collect(List<String> problems, Part part) {
      try {
        part.check();
      } catch (JobFileException e) {
        String m = e.getMessage();
        problems.add(m.startsWith(source + ": ") ? m.substring(source.length() + 2) : m);
      }
    }

    /**
     * Validates every part (task and dataset, rounds and nodes, the tabular schema or the
     * language-model blocks, strategy, training, secure aggregation, privacy) and lists every problem found, one per line.
     */
    JobSpec toSpec(JobFile f, String jobId) throws JobFileException {
      List<String> problems = new ArrayList<>();
      JobSpec.Builder spec = JobSpec.newBuilder()
          .setJobId(jobId)
          .setName(f.name() == null || f.name().isBlank() ? jobId : f.name().strip())
          .setSeed(f.seed() == null ? 0 : f.seed());
      TaskType[] task = {TaskType.TASK_TYPE_UNSPECIFIED};
      collect(problems, () -> {
        task[0] = task(required(f.task(), "task"));
        spec.setTask(task[0]);
      });
      collect(problems, () -> {
        String dataset = required(f.dataset(), "dataset");
        if (!dataset.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
          throw error("dataset", "must be an alias of letters, digits, '.', '_' or '-' (at most 64), got '" + dataset
              + "'");
        }
        spec.setDatasetAlias(dataset);
      });
      collect(problems, () -> spec.setRounds(intInRange(f.rounds(), 10, 1, MAX_ROUNDS, "rounds")));
      // A secure sum needs at least two inputs, so the default follows the setting.
      boolean secure = f.secureAggregation() == null || f.secureAggregation().enabled() == null
          || f.secureAggregation().enabled();
      int[] minNodes = {secure ? 2 : 1};
      collect(problems, () -> minNodes[0] = intInRange(f.minNodes(), secure ? 2 : 1, 1, 10_000, "min_nodes"));
      spec.setMinNodes(minNodes[0]);
      collect(problems, () -> spec.setRoundTimeoutMs(
          intInRange(f.roundTimeoutSeconds(), DEFAULT_ROUND_TIMEOUT_SECONDS, 1, 86_400, "round_timeout_seconds")
              * 1000L));
      boolean privateJob = f.privacy() != null && !Boolean.FALSE.equals(f.privacy().enabled());
      if (task[0] == TaskType.TASK_TYPE_TABULAR_CLASSIFICATION) {
        collect(problems, () -> {
          if (f.tabular() == null) {
            throw error("tabular", "is required for task tabular_classification");
          }
          TabularSpec tabular = tabular(f.tabular(), privateJob, secure, f.privacy());
          // A model without kind is a language model's block; languageModelBlocksGiven reports it.
          if (f.model() != null && f.model().kind() != null) {
            if (f.tabular().hiddenUnits() != null) {
              throw error("tabular.hidden_units", "applies only to the default MLP; with 'model' the network's"
                  + " configuration sets the layers");
            }
            TabularNetworkSpec network = TabularNetworkBlock.validate(f.model(), problems);
            if (network != null) {
              tabular = tabular.toBuilder().clearHiddenUnits().setNetwork(network).build();
            }
          }
          spec.setTabular(tabular);
        });
        for (String block : languageModelBlocksGiven(f)) {
          problems.add("field '" + block + "' applies only to tasks sequence_classification, causal_lm and chat_sft");
        }
      } else if (task[0] != TaskType.TASK_TYPE_UNSPECIFIED) {
        if (f.tabular() != null) {
          problems.add("field 'tabular' applies only to task tabular_classification, not to a language-model task");
        }
        spec.setModel(LanguageModelBlocks.model(f.model(), problems));
        spec.setLora(LanguageModelBlocks.lora(f.lora(), privateJob, problems));
        spec.setText(LanguageModelBlocks.text(f.text(), task[0], privateJob, problems));
      }
      spec.setStrategy(StrategyBlock.validate(f.strategy(), problems));
      JobFile.Training t = f.training() == null ? new JobFile.Training(null, null, null, null) : f.training();
      collect(problems, () -> spec.setTraining(training(t)));
      collect(problems, () -> spec.setSecureAggregation(secureAggregation(f.secureAggregation(), minNodes[0])));
      spec.setPrivacy(PrivacyBlock.validate(f.privacy(),
          t.localEpochs() == null || t.localEpochs() < 1 ? 1 : t.localEpochs(), problems));
      DistributedPrivacy.check(spec.buildPartial(), problems);
      if (problems.size() == 1) {
        throw new JobFileException(source + ": " + problems.get(0));
      }
      if (!problems.isEmpty()) {
        throw new JobFileException(source + ": " + problems.size() + " problems:\n  - "
            + String.join("\n  - ", problems));
      }
      return spec.build();
    }

    private TaskType task(String task) throws JobFileException {
      return switch (task) {
        // "tabular" reads better for a regression (tabular.task says which); the wire task is the same.
        case "tabular_classification", "tabular" -> TaskType.TASK_TYPE_TABULAR_CLASSIFICATION;
        case "sequence_classification" -> TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION;
        case "causal_lm" -> TaskType.TASK_TYPE_CAUSAL_LM;
        case "chat_sft" -> TaskType.TASK_TYPE_CHAT_SFT;
        default -> throw error("task", "must be tabular (or tabular_classification), sequence_classification, causal_lm or chat_sft,"
            + " got '" + task + "'");
      };
    }

    private static List<String> languageModelBlocksGiven(JobFile f) {
      List<String> given = new ArrayList<>();
      if (f.model() != null && f.model().kind() == null) {
        given.add("model");
      }
      if (f.lora() != null) {
        given.add("lora");
      }
      if (f.text() != null) {
        given.add("text");
      }
      return given;
    }

    private TrainingConfig training(JobFile.Training t) throws JobFileException {
      double lr = t.learningRate() == null ? 1e-3 : t.learningRate();
      if (!(lr > 0 && lr <= 10)) {
        throw error("training.learning_rate", "must be in (0, 10], got " + lr);
      }
      double vf = t.validationFraction() == null ? 0.2 : t.validationFraction();
      if (!(vf >= 0 && vf <= 0.9)) {
        throw error("training.validation_fraction", "must be in [0, 0.9], got " + vf);
      }
      return TrainingConfig.newBuilder()
          .setLocalEpochs(intInRange(t.localEpochs(), 1, 1, 10_000, "training.local_epochs"))
          .setBatchSize(intInRange(t.batchSize(), 32, 1, 1_000_000, "training.batch_size"))
          .setLearningRate(lr)
          .setValidationFraction(vf)
          .build();
    }

    /**
     * Defaults: on, clip 1.0, 16 bits, the recommended threshold, W_max 10000. Rejects here what
     * would make every secure round fail: a wrap of n * (2^b - 1) already at n = min_nodes, and a
     * cohort of one (its "sum" is its update).
     */
    private SecureAggregationSpec secureAggregation(JobFile.SecureAggregation s, int minNodes) throws JobFileException {
      JobFile.SecureAggregation sa = s == null ? new JobFile.SecureAggregation(null, null, null, null, null, null, null) : s;
      boolean enabled = sa.enabled() == null || sa.enabled();
      double clip = sa.clip() == null ? DEFAULT_CLIP : sa.clip();
      if (!(clip > 0 && clip <= 1e6)) {
        throw error("secure_aggregation.clip", "must be in (0, 1000000], got " + clip);
      }
      int bits = intInRange(sa.bits(), DEFAULT_BITS, 2, 31, "secure_aggregation.bits");
      int threshold = sa.threshold() == null ? 0 : intInRange(sa.threshold(), 0, 2, 10_000, "secure_aggregation.threshold");
      long maxExamples = sa.maxExamples() == null ? DEFAULT_MAX_EXAMPLES : sa.maxExamples();
      if (maxExamples < 1 || maxExamples > 1_000_000_000L) {
        throw error("secure_aggregation.max_examples", "must be between 1 and 1000000000, got " + maxExamples);
      }
      if (enabled) {
        if (minNodes < 2) {
          throw error("min_nodes", "must be at least 2 with secure aggregation on (a sum over one node is that node's"
              + " update); set secure_aggregation.enabled: false to run with one node");
        }
        long range = (1L << bits) - 1;
        if ((long) minNodes * range >= (1L << 32)) {
          throw error("secure_aggregation.bits", "is too large: min_nodes * (2^bits - 1) = " + minNodes + " * " + range
              + " would wrap the 32-bit sum; use at most " + maxBits(minNodes) + " bits");
        }
        if ((long) minNodes * maxExamples >= (1L << 32)) {
          throw error("secure_aggregation.max_examples", "is too large: min_nodes * max_examples would wrap the 32-bit"
              + " weight sum");
        }
      }
      MaskingGraphKind graph = maskingGraph(sa.graph());
      int degree = sa.degree() == null ? 0 : intInRange(sa.degree(), 0, 2, 10_000, "secure_aggregation.degree");
      if (degree % 2 != 0) {
        throw error("secure_aggregation.degree", "must be even (a k-regular Harary graph on any n), got " + degree);
      }
      if (sa.degree() != null && graph != MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR) {
        throw error("secure_aggregation.degree", "applies only with graph: k-regular (graph is complete)");
      }
      if (graph == MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR && threshold > 0 && degree > 0 && threshold > degree + 1) {
        throw error("secure_aggregation.threshold", "must be at most degree + 1 = " + (degree + 1)
            + " with graph: k-regular (a node's shares go to its k neighbours and itself), got " + threshold);
      }
      return SecureAggregationSpec.newBuilder().setEnabled(enabled).setClip(clip).setBits(bits).setThreshold(threshold)
          .setMaxExamples(maxExamples).setGraph(graph).setDegree(degree).build();
    }

    /** {@code secure_aggregation.graph}: complete (the default) or k-regular (SecAgg+). */
    private MaskingGraphKind maskingGraph(String graph) throws JobFileException {
      if (graph == null || graph.equals("complete")) {
        return MaskingGraphKind.MASKING_GRAPH_KIND_COMPLETE;
      }
      if (graph.equals("k-regular")) {
        return MaskingGraphKind.MASKING_GRAPH_KIND_K_REGULAR;
      }
      throw error("secure_aggregation.graph", "must be complete or k-regular, got '" + graph + "'");
    }

    /** The largest b with n * (2^b - 1) < 2^32. */
    static int maxBits(int n) {
      int b = 2;
      while (b < 31 && (long) n * ((1L << (b + 1)) - 1) < (1L << 32)) {
        b++;
      }
      return b;
    }

    private TabularSpec tabular(JobFile.Tabular t, boolean privateJob, boolean secure, JobFile.Privacy privacy)
        throws JobFileException {
      String label = required(t.label(), "tabular.label");
      List<String> classes = t.classes() == null ? List.of() : t.classes();
      TabularTask task = TabularBlock.task(t.task(), classes);
      if (task == null) {
        throw error("tabular.task", "must be binary, multiclass or regression, got '" + t.task() + "'");
      }
      if (task == TabularTask.TABULAR_TASK_REGRESSION) {
        if (!classes.isEmpty()) {
          throw error("tabular.classes", "does not apply to task regression: its label '" + label + "' is the number"
              + " to predict; remove classes, or set tabular.task to binary or multiclass");
        }
      } else if (classes.size() < 2 || new HashSet<>(classes).size() != classes.size()) {
        throw error("tabular.classes", "must list at least two distinct label values, got " + classes
            + (classes.isEmpty() ? " (for a numeric label set tabular.task: regression)" : ""));
      } else if (task == TabularTask.TABULAR_TASK_BINARY && classes.size() != 2) {
        throw error("tabular.classes", "must list exactly 2 values for task binary, got " + classes.size()
            + " (use tabular.task: multiclass)");
      } else if (task == TabularTask.TABULAR_TASK_MULTICLASS && classes.size() < 3) {
        throw error("tabular.classes", "must list at least 3 values for task multiclass, got " + classes.size()
            + " (use tabular.task: binary)");
      }
      RegressionLoss loss = TabularBlock.regressionLoss(t.loss(), task);
      if (loss == null) {
        throw error("tabular.loss", task == TabularTask.TABULAR_TASK_REGRESSION
            ? "must be mse or mae, got '" + t.loss() + "'"
            : "applies to task regression only (a classifier's loss is cross-entropy)");
      }
      Set<String> seen = new HashSet<>();
      seen.add(label);
      List<String> numeric = t.numeric() == null ? List.of() : t.numeric();
      for (String c : numeric) {
        if (c == null || c.isBlank() || !seen.add(c)) {
          throw error("tabular.numeric", "lists '" + c + "', which is blank, the label or listed twice");
        }
      }
      List<CategoricalColumn> categorical = new ArrayList<>();
      if (t.categorical() != null) {
        for (Map.Entry<String, List<String>> e : t.categorical().entrySet()) {
          String field = "tabular.categorical." + e.getKey();
          if (!seen.add(e.getKey())) {
            throw error(field, "names a column that is the label or already listed");
          }
          List<String> cats = e.getValue() == null ? List.of() : e.getValue();
          if (cats.isEmpty() || new HashSet<>(cats).size() != cats.size()) {
            throw error(field, "must list at least one category, each once, got " + cats);
          }
          categorical.add(CategoricalColumn.newBuilder().setName(e.getKey()).addAllCategories(cats).build());
        }
      }
      if (numeric.isEmpty() && categorical.isEmpty()) {
        throw error("tabular", "needs at least one numeric or categorical column");
      }
      List<Integer> hidden = t.hiddenUnits() == null ? List.of(32) : t.hiddenUnits();
      if (hidden.size() > 8) {
        throw error("tabular.hidden_units", "may list at most 8 layers, got " + hidden.size());
      }
      for (Integer h : hidden) {
        if (h == null || h < 1 || h > 4096) {
          throw error("tabular.hidden_units", "must be between 1 and 4096 each, got " + hidden);
        }
      }
      List<String> problems = new ArrayList<>();
      List<ColumnPreprocessing> columns = TabularBlock.columns(t, numeric, categorical, problems);
      Standardize standardize = TabularBlock.standardize(t.standardize(), secure,
          privateJob ? privacy : null, numeric, columns, problems);
      ClassWeight classWeight = task == TabularTask.TABULAR_TASK_REGRESSION && t.classWeight() != null ? null
          : TabularBlock.classWeight(t.classWeight(), classes, problems);
      if (task == TabularTask.TABULAR_TASK_REGRESSION && t.classWeight() != null) {
        problems.add("field 'tabular.class_weight' applies to classification only; a regression job has no classes");
      }
      if (classWeight != null && privateJob && classWeight.getBalanced()) {
        // DP-SGD weights each row's loss before clipping it to C, so explicit weights keep the sensitivity; balanced
        // ones are computed from each node's class counts, which the noise does not cover.
        problems.add("field 'tabular.class_weight' is balanced, which a private job cannot use: it is computed from"
            + " each node's class counts, which differential privacy does not protect; give explicit weights, e.g. {"
            + classes.get(classes.size() - 1) + ": 3}");
      }
      if (classWeight != null && privateJob && privacy.mode() != null
          && privacy.mode().strip().equalsIgnoreCase("distributed")) {
        // A distributed round's per-unit gradients (ClippedExampleGradients) are unweighted: refuse rather than
        // silently drop the weights.
        problems.add("field 'tabular.class_weight' is not applied in 'privacy.mode: distributed' yet (its rounds clip"
            + " unweighted gradients); remove it, or use privacy.mode local");
      }
      if (!problems.isEmpty()) {
        throw new JobFileException(source + ": " + problems.get(0));
      }
      TabularSpec.Builder tabular = TabularSpec.newBuilder();
      if (classWeight != null) {
        tabular.setClassWeight(classWeight);
      }
      if (t.task() != null) {
        // Only when the file names it: a job file without tabular.task keeps the spec (and its hash) it had.
        tabular.setTask(task).setRegressionLoss(loss);
      }
      return tabular
          .setLabelColumn(label)
          .addAllClasses(classes)
          .addAllNumericColumns(numeric)
          .addAllCategoricalColumns(categorical)
          .addAllHiddenUnits(hidden)
          .addAllColumns(columns)
          .setStandardize(standardize)
          .build();
    }
  }
}
