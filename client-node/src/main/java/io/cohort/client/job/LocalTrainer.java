package io.cohort.client.job;

import io.cohort.client.privacy.DpPlan;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.TensorBundle;
import java.util.Map;
import java.util.Optional;

/**
 * What a node does with its own data for a job. Implementations keep prepared data between
 * rounds and re-prepare it from the spec when a restarted node meets a job it accepted before.
 */
public interface LocalTrainer {
  /** Checks that the node can take part; returns why it declines, or empty to accept. */
  Optional<Decline> check(JobSpec spec);

  /** Work that fails with the reason the node cannot take part, such as preparing a job's data. */
  @FunctionalInterface
  interface Preparation {
    void run() throws LocalDataException;
  }

  /** {@link #check} of a trainer whose check is "can the job be prepared": the failure's decline, or empty. */
  static Optional<Decline> reasonToDecline(Preparation preparation) {
    try {
      preparation.run();
      return Optional.empty();
    } catch (LocalDataException e) {
      return Optional.of(e.decline());
    }
  }

  /**
   * Trains one round locally.
   *
   * @param global the global model, or empty in round 1 (start from the job's seeded initialisation)
   */
  Outcome train(JobSpec spec, int round, Optional<TensorBundle> global) throws LocalDataException;

  /**
   * Trains one round with DP-SGD under {@code plan} (the node's privacy policy has admitted the
   * round). Local metrics of a private round stay on the node: they are not privatised.
   */
  default Outcome trainPrivately(JobSpec spec, int round, Optional<TensorBundle> global,
      DpPlan plan) throws LocalDataException {
    throw new LocalDataException("this node cannot train " + spec.getTask() + " with differential privacy");
  }

  /**
   * Distributed DP-SGD (issue 19 #1): Poisson-samples this node's training units at rate q (coins
   * from SecureRandom) and returns each sampled unit's gradient at {@code global}, clipped to L2 norm
   * {@code clipNorm}, flattened in the global model's tensor order. A unit is a record, or under
   * {@code privacy.unit} a person (issue 19 #2): the persons are sampled, and a person's vector is the
   * sum of all their rows' gradients, clipped once. Nothing is trained here: the
   * coordinator takes the step on the noisy sum of every node's units.
   */
  default java.util.List<float[]> clippedUnitGradients(JobSpec spec, TensorBundle global, double q, double clipNorm)
      throws LocalDataException {
    throw new LocalDataException("this node cannot run " + spec.getTask() + " in distributed DP mode");
  }

  /**
   * Number of local training units for the job, what DP sampling rates refer to: records, or under
   * {@code privacy.unit} the persons (issue 19 #2).
   */
  default long trainingExamples(JobSpec spec) throws LocalDataException {
    throw new LocalDataException("this node cannot train " + spec.getTask() + " with differential privacy");
  }

  /**
   * The job's seeded initial parameters, identical on every node and independent of local data:
   * the round-0 model of a secure job.
   */
  TensorBundle initialParameters(JobSpec spec) throws LocalDataException;

  /**
   * The node's privacy audit of the job so far (counts and bound only), when the job asks for one
   * ({@code privacy.audit}) and this node has trained a round of it.
   */
  default Optional<io.cohort.proto.v1.AuditSummary> auditSummary(JobSpec spec) {
    return Optional.empty();
  }

  /**
   * Issue 23 #2: the sums over the node's training rows that the federation adds up under secure
   * aggregation (layout: {@link io.cohort.wire.StatisticsWords}), for a job with standardize federated.
   */
  default io.cohort.proto.v1.FederationStatistics featureStatistics(JobSpec spec) throws LocalDataException {
    throw new LocalDataException("this node has no feature statistics for " + spec.getTask() + " jobs");
  }

  /**
   * Issue 23 #2: from now on, impute and scale the job's data with the federation's statistics (as
   * the coordinator hands them out with each training and evaluation task). A trainer without
   * feature scaling ignores them.
   */
  default void useFederationStatistics(JobSpec spec, io.cohort.proto.v1.FederationStatistics statistics)
      throws LocalDataException {
  }

  /** Evaluates a model on the node's held-out data. */
  EvaluationResult evaluate(JobSpec spec, TensorBundle model) throws LocalDataException;

  /** The parameters after local training, the examples behind them, and local metrics. */
  record Outcome(TensorBundle parameters, long examples, Map<String, Double> metrics) {}

  /**
   * Why a node declines a job or abandons a task, in two renderings (issue 22 finding #11):
   * {@code publicReason} is what travels to the coordinator and names the dataset alias, line,
   * column and kind of problem but never a value of the data or a local path; {@code localDetail}
   * is the full text for the node's log and the local operator.
   */
  record Decline(String publicReason, String localDetail) {
    /** A reason that quotes nothing local, so both renderings are the same. */
    public static Decline of(String reason) {
      return new Decline(reason, reason);
    }
  }

  /**
   * Local data could not be used. {@link #getMessage()} is the local detail (file, line, column,
   * value); {@link #publicReason()} is the coordinator-safe rendering.
   */
  final class LocalDataException extends Exception {
    private final String publicReason;

    /** A problem whose message quotes no local data and no local path. */
    public LocalDataException(String message) {
      this(message, message);
    }

    public LocalDataException(String localDetail, String publicReason) {
      super(localDetail);
      this.publicReason = publicReason;
    }

    /** What may leave the node: no value of the data, no local path. */
    public String publicReason() {
      return publicReason;
    }

    public Decline decline() {
      return new Decline(publicReason, getMessage());
    }
  }
}
