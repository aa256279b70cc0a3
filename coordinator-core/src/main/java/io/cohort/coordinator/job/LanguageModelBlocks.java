package io.cohort.coordinator.job;

import io.cohort.proto.v1.ClassWeight;
import io.cohort.proto.v1.LoraSpec;
import io.cohort.proto.v1.ModelSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TextSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Validates the {@code model:}, {@code lora:} and {@code text:} blocks of a language-model job
 * (sequence classification or causal LM), appending every problem with its field path.
 *
 * <p>Defaults: lora r 8, alpha 16, dropout 0, target_modules [c_attn], freeze_a true under DP
 * (FFA-LoRA: averaging B alone is exact) and false otherwise; text max_length 128, pooling mean,
 * num_labels 2, weight_decay 0.
 */
final class LanguageModelBlocks {
  static final int DEFAULT_R = 8;
  static final double DEFAULT_ALPHA = 16;
  static final int DEFAULT_MAX_LENGTH = 128;
  /**
   * An upper bound only (Llama-family models have up to 128k positions, GPT-2 1024): each node
   * checks the job against its checkpoint's own limit (n_positions, max_position_embeddings,
   * sliding_window) and declines naming both.
   */
  static final int MAX_LENGTH = 32768;
  static final List<String> DEFAULT_TARGET_MODULES = List.of("c_attn");
  /** PEFT's spelling of every linear layer but the output head (as {@code TargetModules.ALL_LINEAR}). */
  static final String ALL_LINEAR = "all-linear";
  /** As {@code TargetModules}: characters that make a single entry a regular expression. */
  private static final java.util.regex.Pattern REGEX_CHARS = java.util.regex.Pattern.compile("[*+?\\[\\](){}|^$\\\\]");

  private LanguageModelBlocks() {}

  static ModelSpec model(JobFile.Model m, List<String> problems) {
    if (m == null) {
      problems.add("field 'model' is required for a language-model task (model: {name: ..., sha256: ...},"
          + " the sha256 as `cohort-node model hash DIR` prints it)");
      return ModelSpec.getDefaultInstance();
    }
    ModelSpec.Builder b = ModelSpec.newBuilder();
    if (m.name() == null || m.name().isBlank()) {
      problems.add("field 'model.name' is required (the name each node maps to a checkpoint folder in node.yaml"
          + " 'models:')");
    } else if (!m.name().strip().matches("[A-Za-z0-9][A-Za-z0-9_.\\-/]{0,127}")) {
      problems.add("field 'model.name' must be letters, digits, '.', '_', '-' or '/' (at most 128), got '"
          + m.name() + "'");
    } else {
      b.setName(m.name().strip());
    }
    if (m.sha256() == null || m.sha256().isBlank()) {
      problems.add("field 'model.sha256' is required (64 hex characters, as `cohort-node model hash DIR` prints it)");
    } else if (!m.sha256().strip().matches("[0-9a-fA-F]{64}")) {
      problems.add("field 'model.sha256' must be 64 hex characters, got '" + m.sha256() + "' ("
          + m.sha256().strip().length() + " characters)");
    } else {
      b.setSha256(m.sha256().strip().toLowerCase(Locale.ROOT));
    }
    return b.build();
  }

  static LoraSpec lora(JobFile.Lora given, boolean privateJob, List<String> problems) {
    JobFile.Lora l = given == null ? new JobFile.Lora(null, null, null, null, null) : given;
    LoraSpec.Builder b = LoraSpec.newBuilder();
    int r = l.r() == null ? DEFAULT_R : l.r();
    if (r < 1 || r > 1024) {
      problems.add("field 'lora.r' must be between 1 and 1024, got " + r);
    } else {
      b.setR(r);
    }
    double alpha = l.alpha() == null ? DEFAULT_ALPHA : l.alpha();
    if (!(alpha > 0 && alpha <= 1e4)) {
      problems.add("field 'lora.alpha' must be in (0, 10000], got " + alpha);
    } else {
      b.setAlpha(alpha);
    }
    double dropout = l.dropout() == null ? 0.0 : l.dropout();
    if (!(dropout >= 0 && dropout < 1)) {
      problems.add("field 'lora.dropout' must be in [0, 1), got " + dropout);
    } else {
      b.setDropout(dropout);
    }
    List<String> targets = l.targetModules() == null ? DEFAULT_TARGET_MODULES : l.targetModules();
    targetModulesProblem(targets).ifPresentOrElse(problems::add, () -> targets.forEach(t -> b.addTargetModules(t.strip())));
    b.setFreezeA(l.freezeA() == null ? privateJob : l.freezeA());
    return b.build();
  }

  /**
   * What is wrong with {@code lora.target_modules}, by PEFT's rule as the nodes apply it
   * ({@code TargetModules.of}): {@code [all-linear]}; one regular expression matched against the
   * whole module path (an entry with any of {@code * + ? [ ] ( ) { } | ^ $ \}); or distinct module
   * names, each matching a module path that equals it or ends with "." + it. Which layers exist
   * depends on the model family, which only the nodes see; a node declines a job whose rule
   * matches no layer of its checkpoint.
   */
  static java.util.Optional<String> targetModulesProblem(List<String> targets) {
    String valid = " (names such as [c_attn] for GPT-2 or [q_proj, v_proj] for Llama/Mistral/Qwen, dotted paths"
        + " such as [h.3.attn.c_attn], one regular expression such as ['.*\\.(q_proj|v_proj)'], or [all-linear])";
    if (targets.isEmpty()) {
      return java.util.Optional.of("field 'lora.target_modules' must name at least one module" + valid);
    }
    if (targets.stream().anyMatch(t -> t == null || t.isBlank())) {
      return java.util.Optional.of("field 'lora.target_modules' has an empty entry" + valid);
    }
    List<String> stripped = targets.stream().map(String::strip).toList();
    boolean special = stripped.stream().anyMatch(t -> t.equals(ALL_LINEAR) || REGEX_CHARS.matcher(t).find());
    if (special) {
      if (stripped.size() != 1) {
        return java.util.Optional.of("field 'lora.target_modules' may hold all-linear or a regular expression only"
            + " as its single entry, got " + targets + valid);
      }
      if (!stripped.get(0).equals(ALL_LINEAR)) {
        try {
          java.util.regex.Pattern.compile(stripped.get(0));
        } catch (java.util.regex.PatternSyntaxException e) {
          return java.util.Optional.of("field 'lora.target_modules' regular expression '" + stripped.get(0)
              + "' is invalid: " + e.getDescription());
        }
      }
      return java.util.Optional.empty();
    }
    if (stripped.stream().anyMatch(t -> !t.matches("[A-Za-z0-9_.\\-]+"))
        || new HashSet<>(stripped).size() != stripped.size()) {
      return java.util.Optional.of("field 'lora.target_modules' must list distinct module names (letters, digits,"
          + " '_', '-', '.'), got " + targets + valid);
    }
    return java.util.Optional.empty();
  }

  static TextSpec text(JobFile.Text given, TaskType task, boolean privateJob, List<String> problems) {
    JobFile.Text t = given == null ? new JobFile.Text(null, null, null, null, null) : given;
    TextSpec.Builder b = TextSpec.newBuilder();
    int maxLength = t.maxLength() == null ? DEFAULT_MAX_LENGTH : t.maxLength();
    if (maxLength < 2 || maxLength > MAX_LENGTH) {
      problems.add("field 'text.max_length' must be between 2 and " + MAX_LENGTH + ", got " + maxLength);
    } else {
      b.setMaxLength(maxLength);
    }
    boolean classification = task == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION;
    String pooling = t.pooling() == null ? "mean" : t.pooling().strip().toLowerCase(Locale.ROOT);
    if (!classification && t.pooling() != null) {
      problems.add("field 'text.pooling' applies only to task sequence_classification");
    } else if (classification) {
      switch (pooling) {
        case "mean" -> b.setPooling(Pooling.POOLING_MEAN);
        case "last_token" -> b.setPooling(Pooling.POOLING_LAST_TOKEN);
        default -> problems.add("field 'text.pooling' must be mean or last_token, got '" + t.pooling() + "'");
      }
    }
    if (!classification && t.numLabels() != null) {
      problems.add("field 'text.num_labels' applies only to task sequence_classification");
    } else if (classification) {
      int labels = t.numLabels() == null ? 2 : t.numLabels();
      if (labels < 2 || labels > 10_000) {
        problems.add("field 'text.num_labels' must be between 2 and 10000, got " + labels);
      } else {
        b.setNumLabels(labels);
      }
    }
    if (!classification && t.classWeight() != null) {
      problems.add("field 'text.class_weight' applies only to task sequence_classification");
    } else if (classification && t.classWeight() != null && b.getNumLabels() >= 2) {
      ClassWeight weights = classWeight(t.classWeight(), b.getNumLabels(), privateJob, problems);
      if (weights != null) {
        b.setClassWeight(weights);
      }
    }
    double wd = t.weightDecay() == null ? 0.0 : t.weightDecay();
    if (!(wd >= 0 && wd <= 1)) {
      problems.add("field 'text.weight_decay' must be in [0, 1], got " + wd);
    } else {
      b.setWeightDecay(wd);
    }
    return b.build();
  }

  /**
   * {@code text.class_weight} (issue 23 #3): {@code balanced}, or a map from label (0 .. num_labels - 1) to a
   * weight > 0, labels not named weighing 1. A private job may not use balanced: each node would compute it
   * from its class counts, which DP-SGD's noise does not cover; explicit weights keep the sensitivity C
   * because each record's loss is weighted before its gradient is clipped.
   */
  private static ClassWeight classWeight(Object given, int numLabels, boolean privateJob, List<String> problems) {
    String valid = "labels 0 to " + (numLabels - 1);
    if (given instanceof java.util.Map<?, ?> map) {
      for (Object key : map.keySet()) {
        String label = String.valueOf(key);
        if (!label.matches("\\d{1,5}") || Integer.parseInt(label) >= numLabels) {
          problems.add("field 'text.class_weight." + label + "' names no label; valid: " + valid
              + " (text.num_labels is " + numLabels + ")");
          return null;
        }
      }
    }
    List<String> labels = java.util.stream.IntStream.range(0, numLabels).mapToObj(String::valueOf).toList();
    ClassWeight w = TabularBlock.classWeight(given, "text.class_weight", labels, problems);
    if (w != null && privateJob && w.getBalanced()) {
      problems.add("field 'text.class_weight' is balanced, which a private job cannot use: it is computed from"
          + " each node's class counts, which differential privacy does not protect; give explicit weights, e.g. {"
          + (numLabels - 1) + ": 5}");
      return null;
    }
    return w;
  }
}
