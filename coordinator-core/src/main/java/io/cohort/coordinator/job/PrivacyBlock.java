package io.cohort.coordinator.job;

import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.DpOptimizer;
import io.cohort.proto.v1.PrivacyAudit;
import io.cohort.proto.v1.PrivacySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Validates a job file's {@code privacy:} block into a {@link PrivacySpec}, listing every problem
 * at once. The coordinator computes nothing private from it: each node calibrates its noise,
 * checks the spend against its own budget, and may decline.
 *
 * <p>Rules: exactly one of {@code epsilon} (with {@code delta}) and {@code noise_multiplier};
 * {@code clip_norm} required; exactly one of {@code sampling_rate} and {@code expected_batch_size};
 * at most one of {@code local_steps} and {@code local_epochs} (default: the training block's
 * local epochs); {@code accountant} rdp (default) or pld; {@code optimizer} adam (default) or sgd;
 * {@code learning_rate} optional (default: the training block's); {@code audit} optional, also
 * with {@code enabled: false} (see {@link #audit}); {@code unit}, {@code public_validation} and
 * {@code evaluation_noise_multiplier} (issue 19, see {@link #units}).
 */
final class PrivacyBlock {
  static final double MAX_EPSILON = 1000;

  private PrivacyBlock() {}

  /**
   * @param defaultEpochs the training block's local epochs, used when neither local_steps nor
   *     local_epochs is given
   * @param problems where each problem is appended, as "field 'privacy.x' ..."
   * @return the spec; meaningful only when no problem was added
   */
  static PrivacySpec validate(JobFile.Privacy p, int defaultEpochs, List<String> problems) {
    if (p == null || Boolean.FALSE.equals(p.enabled())) {
      PrivacySpec.Builder off = PrivacySpec.newBuilder().setEnabled(false);
      if (p != null && p.audit() != null) {
        off.setAudit(audit(p.audit(), false, problems));
      }
      return off.build();
    }
    List<String> out = new ArrayList<>();
    PrivacySpec.Builder b = PrivacySpec.newBuilder().setEnabled(true);
    if (p.epsilon() != null && p.noiseMultiplier() != null) {
      out.add(field("epsilon", "and 'privacy.noise_multiplier' are both given; give one: a target epsilon (the"
          + " node calibrates sigma) or sigma itself"));
    } else if (p.epsilon() == null && p.noiseMultiplier() == null) {
      out.add(field("epsilon", "is required (or give 'privacy.noise_multiplier' instead)"));
    }
    if (p.epsilon() != null) {
      if (!(p.epsilon() > 0 && p.epsilon() <= MAX_EPSILON)) {
        out.add(field("epsilon", "must be in (0, " + (int) MAX_EPSILON + "], got " + p.epsilon()));
      } else {
        b.setTargetEpsilon(p.epsilon());
      }
      if (p.delta() == null) {
        out.add(field("delta", "is required with 'privacy.epsilon', e.g. 1e-5 (below 1 / records per node)"));
      }
    }
    if (p.delta() != null) {
      if (!(p.delta() > 0 && p.delta() < 1)) {
        out.add(field("delta", "must be in (0, 1), got " + p.delta()));
      } else {
        b.setDelta(p.delta());
      }
    }
    if (p.noiseMultiplier() != null) {
      if (!(p.noiseMultiplier() > 0 && p.noiseMultiplier() <= 1e4)) {
        out.add(field("noise_multiplier", "must be in (0, 10000], got " + p.noiseMultiplier()));
      } else {
        b.setNoiseMultiplier(p.noiseMultiplier());
      }
    }
    if (p.clipNorm() == null) {
      out.add(field("clip_norm", "is required (the per-example L2 clipping norm C, e.g. 1.0)"));
    } else if (!(p.clipNorm() > 0 && p.clipNorm() <= 1e6)) {
      out.add(field("clip_norm", "must be in (0, 1000000], got " + p.clipNorm()));
    } else {
      b.setClipNorm(p.clipNorm());
    }
    boolean distributed = DistributedPrivacy.mode(p, b, out);
    if (distributed) {
      DistributedPrivacy.validate(p, b, out);
    } else if (p.samplingRate() != null && p.expectedBatchSize() != null) {
      out.add(field("sampling_rate", "and 'privacy.expected_batch_size' are both given; give one"));
    } else if (p.samplingRate() == null && p.expectedBatchSize() == null) {
      out.add(field("sampling_rate", "is required (or give 'privacy.expected_batch_size' instead)"));
    }
    if (p.samplingRate() != null) {
      if (!(p.samplingRate() > 0 && p.samplingRate() <= 1)) {
        out.add(field("sampling_rate", "must be in (0, 1], got " + p.samplingRate()));
      } else {
        b.setSamplingRate(p.samplingRate());
      }
    }
    if (p.expectedBatchSize() != null) {
      if (p.expectedBatchSize() < 1 || p.expectedBatchSize() > 1_000_000) {
        out.add(field("expected_batch_size", "must be between 1 and 1000000, got " + p.expectedBatchSize()));
      } else {
        b.setExpectedBatchSize(p.expectedBatchSize());
      }
    }
    if (distributed) {
      b.setLocalSteps(1); // one DP-SGD step per round, over the union of the nodes' data
    } else if (p.localSteps() != null && p.localEpochs() != null) {
      out.add(field("local_steps", "and 'privacy.local_epochs' are both given; give one"));
    } else if (p.localSteps() != null) {
      if (p.localSteps() < 1 || p.localSteps() > 1_000_000) {
        out.add(field("local_steps", "must be between 1 and 1000000, got " + p.localSteps()));
      } else {
        b.setLocalSteps(p.localSteps());
      }
    } else {
      int epochs = p.localEpochs() == null ? defaultEpochs : p.localEpochs();
      if (epochs < 1 || epochs > 10_000) {
        out.add(field("local_epochs", "must be between 1 and 10000, got " + epochs));
      } else {
        b.setLocalEpochs(epochs);
      }
    }
    String accountant = p.accountant() == null ? "rdp" : p.accountant().strip().toLowerCase(Locale.ROOT);
    switch (accountant) {
      case "rdp" -> b.setAccountant(DpAccountant.DP_ACCOUNTANT_RDP);
      case "pld" -> b.setAccountant(DpAccountant.DP_ACCOUNTANT_PLD);
      default -> out.add(field("accountant", "must be rdp or pld, got '" + p.accountant() + "'"));
    }
    String optimizer = p.optimizer() == null ? "adam" : p.optimizer().strip().toLowerCase(Locale.ROOT);
    switch (optimizer) {
      case "adam" -> b.setOptimizer(DpOptimizer.DP_OPTIMIZER_ADAM);
      case "sgd" -> b.setOptimizer(DpOptimizer.DP_OPTIMIZER_SGD);
      default -> out.add(field("optimizer", "must be adam or sgd, got '" + p.optimizer() + "'"));
    }
    if (p.learningRate() != null) {
      if (!(p.learningRate() > 0 && p.learningRate() <= 10)) {
        out.add(field("learning_rate", "must be in (0, 10], got " + p.learningRate()));
      } else {
        b.setLearningRate(p.learningRate());
      }
    }
    if (p.audit() != null) {
      b.setAudit(audit(p.audit(), true, out));
      if (p.audit().delta() != null) {
        out.add(field("audit.delta", "applies only to a job without DP; a DP job's audit uses 'privacy.delta'"));
      } else if (p.delta() == null) {
        out.add(field("delta", "is required with 'privacy.audit': the audit's bound is stated at the job's delta"));
      }
    }
    units(p, b, out);
    problems.addAll(out);
    return b.build();
  }

  /** Default sigma_e of the noise on evaluation counts (issue 19 #3). */
  static final double DEFAULT_EVALUATION_NOISE = 20;

  /**
   * Issue 19: {@code unit} (record, or the column / JSON field naming the person), {@code public_validation}
   * and {@code evaluation_noise_multiplier} (default {@value #DEFAULT_EVALUATION_NOISE}, written into the spec
   * so that it is part of the terms every node accepts).
   */
  private static void units(JobFile.Privacy p, PrivacySpec.Builder b, List<String> out) {
    if (p.unit() != null) {
      String unit = p.unit().strip();
      if (!unit.matches("[A-Za-z0-9._:-]{1,128}")) {
        out.add(field("unit", "must be 'record' or the column / JSON field naming the person (1 to 128 characters of"
            + " letters, digits and . _ : -), got '" + p.unit() + "'"));
      } else if (!unit.equals("record")) {
        b.setUnit(unit);
      }
    }
    b.setPublicValidation(Boolean.TRUE.equals(p.publicValidation()));
    if (p.evaluationNoiseMultiplier() != null) {
      if (Boolean.TRUE.equals(p.publicValidation())) {
        out.add(field("evaluation_noise_multiplier", "does not apply with 'privacy.public_validation: true'"
            + " (public validation data is evaluated without noise)"));
      } else if (!(p.evaluationNoiseMultiplier() > 0 && p.evaluationNoiseMultiplier() <= 1e4)) {
        out.add(field("evaluation_noise_multiplier", "must be in (0, 10000], got " + p.evaluationNoiseMultiplier()));
      } else {
        b.setEvaluationNoiseMultiplier(p.evaluationNoiseMultiplier());
      }
    } else if (!Boolean.TRUE.equals(p.publicValidation())) {
      b.setEvaluationNoiseMultiplier(DEFAULT_EVALUATION_NOISE);
    }
    // Issue 23 #2: z of the noised feature statistics (standardize federated); absent, the nodes use 5.
    if (p.statisticsNoiseMultiplier() != null) {
      if (!(p.statisticsNoiseMultiplier() > 0 && p.statisticsNoiseMultiplier() <= 1e4)) {
        out.add(field("statistics_noise_multiplier", "must be in (0, 10000], got " + p.statisticsNoiseMultiplier()));
      } else {
        b.setStatisticsNoiseMultiplier(p.statisticsNoiseMultiplier());
      }
    }
  }

  /** Most canaries a job may ask for; a node also refuses more than its model's trainable parameters. */
  static final int MAX_CANARIES = 1_000_000;

  /**
   * {@code privacy.audit: {canaries: m, guesses: r, delta: d}}: m required (1 to 1000000; a node
   * refuses more than its model's trainable parameters), r default m/2 (1 to m), d only for a job
   * without DP (default 1e-5, in (0, 1)).
   */
  static PrivacyAudit audit(JobFile.Audit a, boolean privateJob, List<String> problems) {
    PrivacyAudit.Builder b = PrivacyAudit.newBuilder();
    if (a.canaries() == null) {
      problems.add(field("audit.canaries", "is required, e.g. 1000 (canaries per node; a model takes at most"
          + " one per trainable parameter)"));
      return b.build();
    }
    if (a.canaries() < 1 || a.canaries() > MAX_CANARIES) {
      problems.add(field("audit.canaries", "must be between 1 and " + MAX_CANARIES + ", got " + a.canaries()));
      return b.build();
    }
    b.setCanaries(a.canaries());
    int guesses = a.guesses() == null ? Math.max(1, a.canaries() / 2) : a.guesses();
    if (guesses < 1 || guesses > a.canaries()) {
      problems.add(field("audit.guesses", "must be between 1 and audit.canaries (" + a.canaries() + "), got "
          + guesses));
    } else {
      b.setGuesses(guesses);
    }
    if (!privateJob) {
      double delta = a.delta() == null ? DEFAULT_AUDIT_DELTA : a.delta();
      if (!(delta > 0 && delta < 1)) {
        problems.add(field("audit.delta", "must be in (0, 1), got " + delta));
      } else {
        b.setDelta(delta);
      }
    }
    return b.build();
  }

  /** The delta of an audit of a job without DP, when the job gives none. */
  static final double DEFAULT_AUDIT_DELTA = 1e-5;

  static String field(String name, String message) {
    return "field 'privacy." + name + "' " + message;
  }
}
