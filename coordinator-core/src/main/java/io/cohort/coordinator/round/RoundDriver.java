package io.cohort.coordinator.round;

import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one job: offers it ({@link Offers}), then drives its rounds from the last completed one on.
 * Each round chooses participants ({@link ParticipantSelector}), runs an attempt of the job's
 * {@link RoundProtocol}, retries a failed attempt ({@link Attempts}), stores the new global model
 * and evaluates it ({@link EvaluationPhase}). One driver thread per job; nodes' results arrive on
 * the transport's threads through {@link #tasks()} and {@link #offers()}.
 *
 * <p>Crash safety: the only durable step of a round is {@link JobStore#completeRound}, taken
 * after the new global model file is on disk. A restart therefore resumes at the first round
 * not recorded, re-running an interrupted round from scratch; no round is counted twice.
 */
public final class RoundDriver {
  private static final Logger LOG = Logger.getLogger(RoundDriver.class.getName());
  /** The width of the jobs table's failure_reason column. */
  private static final int MAX_FAILURE_REASON_CHARS = 4000;

  private final JobSpec spec;
  private final JobStore store;
  private final ModelStore models;
  private final Waiter waiter;
  private final RoundSettings settings;
  private final ParticipantSelector selector;
  private final RoundContext ctx;
  private final OpenTasks tasks;
  private final Offers offers;
  private final RoundProtocol protocol;
  private final InitialModel initialModel;
  private final EvaluationPhase evaluation;
  private final StatisticsPhase statistics;
  private volatile RoundObserver observer = RoundObserver.NONE;

  public RoundDriver(JobSpec spec, JobStore store, ModelStore models, NodeRegistry registry, Strategy strategy,
      Waiter waiter, RoundSettings settings, NodeIdentities identities, ParticipantSelector selector) {
    this.spec = spec;
    this.store = store;
    this.models = models;
    this.waiter = waiter;
    this.settings = settings;
    this.selector = selector;
    this.tasks = new OpenTasks(spec.getJobId());
    this.ctx = new RoundContext(spec, registry, tasks, waiter, settings, new JobStatistics());
    this.offers = new Offers(ctx, store);
    this.protocol = DistributedDpRound.selected(spec) ? new DistributedDpRound(ctx, strategy, identities)
        : SecAggSettings.enabled(spec) ? new SecureRound(ctx, strategy, identities)
        : new PlainRound(ctx, strategy);
    this.initialModel = new InitialModel(ctx, models, offers);
    this.evaluation = new EvaluationPhase(ctx, store, offers);
    this.statistics = new StatisticsPhase(ctx, models, offers, identities);
  }

  public String jobId() {
    return spec.getJobId();
  }

  /** The job's spec, as its tasks carry it. */
  public JobSpec spec() {
    return spec;
  }

  /** Whether the job asks each node for a one-run privacy audit ({@code privacy.audit}). */
  public boolean audited() {
    return spec.getPrivacy().hasAudit();
  }

  /** Sets the audit and metrics hooks; call before {@link #run}. */
  public void observe(RoundObserver o) {
    this.observer = o;
    offers.observe(o);
  }

  /** The job's offer and its answers. */
  public Offers offers() {
    return offers;
  }

  /** Where nodes' results for the job's open phase arrive. */
  public OpenTasks tasks() {
    return tasks;
  }

  /** A node registered: offer it the job unless it already answered. */
  public void onRegistered(NodeSession session) {
    offers.onRegistered(session);
  }

  /** Whether the model id names a model of this job that a node may download. */
  public boolean ownsModel(String modelId) {
    return modelId.startsWith(spec.getJobId() + "/");
  }

  /**
   * Drives the job from its stored state until it completes or fails.
   *
   * @return true when the job reached a terminal state or the driver was interrupted; false after
   *     an unexpected error, in which case the caller may run it again (it resumes from the store)
   */
  public boolean run() {
    String jobId = spec.getJobId();
    try {
      JobRecord job = store.job(jobId).orElseThrow();
      if (job.state().terminal()) {
        return true; // cancelled while this driver was pausing after an error
      }
      if (job.state() == JobState.OFFERED) {
        offers.awaitQuorum();
        store.setState(jobId, JobState.RUNNING, null, waiter.now());
      }
      if (StatisticsPhase.wanted(spec)) {
        statistics.ensure(); // before any training or evaluation task: both encode with them
      }
      List<RoundRecord> done = store.rounds(jobId);
      if (!done.isEmpty() && done.get(done.size() - 1).evaluation() == null) {
        evaluation.evaluate(done.get(done.size() - 1)); // crashed between storing a round and its evaluation
      }
      if (protocol.needsInitialModel() && done.size() < spec.getRounds()) {
        initialModel.ensure();
      }
      for (int r = done.size() + 1; r <= spec.getRounds(); r++) {
        evaluation.evaluate(train(r));
      }
      store.setState(jobId, JobState.COMPLETED, null, waiter.now());
      LOG.info(() -> "job " + jobId + " completed " + spec.getRounds() + " rounds");
      return true;
    } catch (JobFailure f) {
      LOG.warning(() -> "job " + jobId + " failed: " + f.getMessage());
      store.setState(jobId, JobState.FAILED, truncate(f.getMessage()), waiter.now());
      return true;
    } catch (InterruptedException e) {
      LOG.info(() -> "job " + jobId + " paused by shutdown; it resumes at the next start");
      Thread.currentThread().interrupt();
      return true;
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "job " + jobId + " stopped by an internal error; retrying from its last stored round", e);
      return false;
    }
  }

  private RoundRecord train(int round) throws JobFailure, InterruptedException {
    boolean fromStoredModel = round > 1 || protocol.needsInitialModel();
    Optional<TensorBundle> global = fromStoredModel ? Optional.of(loadModel(round - 1)) : Optional.empty();
    String globalId = fromStoredModel ? ModelStore.modelId(spec.getJobId(), round - 1) : "";
    return Attempts.attempt(spec.getJobId(), "round " + round, settings.maxRoundAttempts(), attempt -> {
      Instant started = waiter.now();
      List<NodeSession> available = offers.awaitLiveAccepted(ctx.roundDeadline());
      RoundInput in = new RoundInput(round, attempt, selector.select(round, available), global, globalId,
          sent -> observer.roundStarted(spec.getJobId(), round, attempt, sent.stream().map(NodeSession::nodeId).toList(),
              protocol.secure()));
      RoundOutcome out = protocol.run(in);
      if (out instanceof RoundOutcome.Aggregated a) {
        return Attempts.Try.success(complete(round, attempt, a, started));
      }
      if (out instanceof RoundOutcome.Failed f) {
        observer.roundAttemptFailed(spec.getJobId(), round, attempt, f.reason());
        return Attempts.Try.failure(f.reason());
      }
      return Attempts.Try.failure(((RoundOutcome.Refused) out).reason());
    });
  }

  /** Stores the round's model, then the round itself: the round's one durable step. */
  private RoundRecord complete(int round, int attempt, RoundOutcome.Aggregated a, Instant started) {
    ModelStore.StoredModel stored = models.write(spec.getJobId(), round, a.nextModel());
    RoundRecord record = new RoundRecord(spec.getJobId(), round, attempt, a.participants(), a.contributors(),
        a.examples(), stored.modelId(), stored.sha256Hex(), started, waiter.now(), null);
    store.completeRound(record, waiter.now());
    LOG.info(() -> "job " + spec.getJobId() + " round " + round + (protocol.secure() ? " securely" : "")
        + " aggregated " + a.contributors().size() + "/" + a.participants().size() + " updates (" + a.examples()
        + " examples)");
    observer.roundCompleted(record, a.aggregation(), protocol.secure());
    return record;
  }

  private TensorBundle loadModel(int round) throws JobFailure {
    String id = ModelStore.modelId(spec.getJobId(), round);
    try {
      return models.read(id);
    } catch (IOException | WireFormatException e) {
      throw new JobFailure("global model " + id + " cannot be read: " + e.getMessage());
    }
  }

  private static String truncate(String reason) {
    return reason.length() <= MAX_FAILURE_REASON_CHARS ? reason
        : reason.substring(0, MAX_FAILURE_REASON_CHARS - 3) + "...";
  }
}
