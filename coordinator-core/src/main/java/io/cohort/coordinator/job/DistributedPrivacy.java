package io.cohort.coordinator.job;

import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.proto.v1.TaskType;
import java.util.List;
import java.util.Locale;

/**
 * The job-file rules of {@code privacy.mode} (issue 19 #1). {@code local} (the default) is per-node
 * DP-SGD as before; {@code distributed} makes each round one DP-SGD step over the union of the nodes'
 * data, each node adding only a discrete Gaussian share under secure aggregation
 * (docs/distributed-dp.md). Its terms: {@code sampling_rate} q (every node's Poisson rate),
 * {@code expected_batch_size} (the public q times all nodes' training units, the coordinator's
 * divisor: records, or persons under {@code privacy.unit}), {@code min_honest} (default 2) and
 * {@code max_nodes} (default 16).
 */
final class DistributedPrivacy {
  static final int DEFAULT_MIN_HONEST = 2;
  static final int DEFAULT_MAX_NODES = 16;

  private DistributedPrivacy() {}

  /** Reads {@code privacy.mode} into {@code b}; whether it is distributed. */
  static boolean mode(JobFile.Privacy p, PrivacySpec.Builder b, List<String> out) {
    String mode = p.mode() == null ? "local" : p.mode().strip().toLowerCase(Locale.ROOT);
    switch (mode) {
      case "local" -> {
        b.setMode(PrivacyMode.PRIVACY_MODE_LOCAL);
        if (p.minHonest() != null) {
          out.add(PrivacyBlock.field("min_honest", "applies only to 'privacy.mode: distributed'"));
        }
        if (p.maxNodes() != null) {
          out.add(PrivacyBlock.field("max_nodes", "applies only to 'privacy.mode: distributed'"));
        }
        return false;
      }
      case "distributed" -> {
        b.setMode(PrivacyMode.PRIVACY_MODE_DISTRIBUTED);
        return true;
      }
      default -> {
        out.add(PrivacyBlock.field("mode", "must be local or distributed, got '" + p.mode() + "'"));
        return false;
      }
    }
  }

  /** The distributed mode's own fields and what it rules out. */
  static void validate(JobFile.Privacy p, PrivacySpec.Builder b, List<String> out) {
    if (p.samplingRate() == null) {
      out.add(PrivacyBlock.field("sampling_rate", "is required with 'privacy.mode: distributed': q, the Poisson rate"
          + " at which every node samples its units (records, or the persons of privacy.unit) in each round's one"
          + " DP-SGD step"));
    }
    if (p.expectedBatchSize() == null) {
      out.add(PrivacyBlock.field("expected_batch_size", "is required with 'privacy.mode: distributed': the public"
          + " expected batch over all nodes (sampling_rate times all nodes' training units: records, or persons"
          + " under privacy.unit), which the coordinator divides the noisy gradient sum by"));
    }
    if (p.localSteps() != null || p.localEpochs() != null) {
      out.add(PrivacyBlock.field(p.localSteps() != null ? "local_steps" : "local_epochs", "applies only to"
          + " 'privacy.mode: local'; in distributed mode each round is one DP-SGD step (use more rounds)"));
    }
    if (p.accountant() != null && !p.accountant().strip().equalsIgnoreCase("rdp")) {
      out.add(PrivacyBlock.field("accountant", "must be rdp (or absent) with 'privacy.mode: distributed': its"
          + " spend is bounded by the distributed discrete Gaussian's RDP (docs/distributed-dp.md)"));
    }
    if (p.audit() != null) {
      out.add(PrivacyBlock.field("audit", "is not available with 'privacy.mode: distributed' yet"));
    }
    int maxNodes = p.maxNodes() == null ? DEFAULT_MAX_NODES : p.maxNodes();
    if (maxNodes < 2 || maxNodes > 10_000) {
      out.add(PrivacyBlock.field("max_nodes", "must be between 2 and 10000, got " + maxNodes));
    } else {
      b.setMaxNodes(maxNodes);
    }
    int minHonest = p.minHonest() == null ? DEFAULT_MIN_HONEST : p.minHonest();
    if (minHonest < 1 || minHonest > maxNodes) {
      out.add(PrivacyBlock.field("min_honest", "must be between 1 and privacy.max_nodes (" + maxNodes + "), got "
          + minHonest));
    } else {
      b.setMinHonest(minHonest);
    }
  }

  /** Rules across blocks, once the whole spec is read. */
  static void check(JobSpec spec, List<String> problems) {
    PrivacySpec p = spec.getPrivacy();
    if (!p.getEnabled() || p.getMode() != PrivacyMode.PRIVACY_MODE_DISTRIBUTED) {
      return;
    }
    if (!spec.getSecureAggregation().getEnabled()) {
      problems.add("field 'secure_aggregation.enabled' must be true with 'privacy.mode: distributed': the nodes'"
          + " noise shares protect only the sum, so no single node's input may be seen");
    }
    if (spec.getTask() != TaskType.TASK_TYPE_TABULAR_CLASSIFICATION && spec.getTask() != TaskType.TASK_TYPE_UNSPECIFIED
        && spec.getTask() != TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION) {
      problems.add("field 'privacy.mode' distributed is available for tasks tabular_classification and"
          + " sequence_classification only so far (not causal_lm or chat_sft)");
    }
    if (p.getMaxNodes() > 0 && spec.getMinNodes() > p.getMaxNodes()) {
      problems.add("field 'privacy.max_nodes' (" + p.getMaxNodes() + ") must be at least min_nodes ("
          + spec.getMinNodes() + ")");
    }
  }
}
