package io.cohort.client.runtime;

import io.cohort.client.job.LocalTrainer;
import io.cohort.client.privacy.EvaluationPrivacy;
import io.cohort.client.privacy.PrivacyGuard;
import io.cohort.client.privacy.RoundRefusedException;
import io.cohort.client.privacy.StatisticsPrivacy;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.proto.v1.EvaluateTask;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.InitTask;
import io.cohort.proto.v1.JobOffer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.StatisticsTask;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Acts on one pulled task: answers an offer after checking local data, trains and uploads a
 * round's update, or evaluates a global model. A task the node cannot do is abandoned with the
 * reason, so the round does not wait for it.
 */
final class TaskHandler {
  private static final Logger LOG = Logger.getLogger(TaskHandler.class.getName());
  private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);

  private final CoordinatorClient client;
  private final LocalTrainer trainer;
  private final Clock clock;
  private String cachedModelId;
  private TensorBundle cachedModel;

  private final SecureParticipant secure;
  private final IdentityKeyPair identity;
  private final PrivacyGuard privacy;
  private final TaskReplays replays = new TaskReplays();
  /** Noise on evaluation statistics under DP (issue 19 #3): SecureRandom-keyed. */
  private final GaussianNoise evaluationNoise = GaussianNoise.create();
  private final DistributedDpNodeRound distributed;
  /** Noise on feature statistics under DP (issue 23 #2): SecureRandom-keyed. */
  private final GaussianNoise statisticsNoise = GaussianNoise.create();
  /** Each private job's noised statistics once released (and charged), by job id. */
  private final java.util.Map<String, float[]> releasedStatistics = new java.util.concurrent.ConcurrentHashMap<>();
  /** Test hook: runs after a round's spend is recorded and before anything of the round leaves. */
  private Runnable afterLedgerRecord = () -> { };

  TaskHandler(CoordinatorClient client, LocalTrainer trainer, Clock clock, IdentityKeyPair identity, String nodeId,
      PrivacyGuard privacy, io.cohort.client.trust.PeerVerifier peers) {
    this.client = client;
    this.trainer = trainer;
    this.clock = clock;
    this.secure = new SecureParticipant(client, identity, nodeId, clock, TRANSFER_TIMEOUT, peers);
    this.identity = identity;
    this.privacy = privacy;
    privacy.setModelDimension(spec -> {
      try {
        return DistributedDpNodeRound.size(trainer.initialParameters(spec));
      } catch (LocalTrainer.LocalDataException e) {
        throw new IllegalArgumentException(e.decline().publicReason(), e);
      }
    });
    this.distributed = new DistributedDpNodeRound(trainer, privacy);
  }

  void setAfterLedgerRecord(Runnable hook) {
    this.afterLedgerRecord = hook;
  }

  void handle(Task task) throws InterruptedException {
    if (task.getKindCase() != Task.KindCase.OFFER && !termsHold(task)) {
      return;
    }
    switch (task.getKindCase()) {
      case OFFER -> offer(task, task.getOffer());
      case TRAIN -> train(task, task.getTrain());
      case EVALUATE -> evaluate(task, task.getEvaluate());
      case INIT -> initialise(task, task.getInit());
      case SECAGG -> secure.stage(task, task.getSecagg());
      case STATISTICS -> statistics(task, task.getStatistics());
      default -> LOG.warning("ignoring task " + task.getTaskId() + " of unknown kind " + task.getKindCase()
          + "; this node may need an upgrade");
    }
  }

  /**
   * Issue 21 #4: a task of a job must carry exactly the terms this node accepted; otherwise it is
   * refused (abandoned, or for a secure-aggregation stage the round is aborted) before anything is
   * admitted, trained, recorded or sent.
   */
  private boolean termsHold(Task task) {
    var spec = io.cohort.wire.JobTerms.specOf(task);
    if (spec.isEmpty()) {
      return true; // a kind this node does not know: handled (ignored) below
    }
    try {
      privacy.checkTerms(task.getJobId(), spec.get(), task.getJobTermsSha256());
      return true;
    } catch (RoundRefusedException e) {
      refuse(task, LocalTrainer.Decline.of(e.getMessage()));
    } catch (IOException e) {
      String reason = "the node's record of accepted job terms is unavailable, so nothing is trained or sent";
      refuse(task, new LocalTrainer.Decline(reason, reason + ": " + e.getMessage()));
    }
    return false;
  }

  private void refuse(Task task, LocalTrainer.Decline reason) {
    if (task.getKindCase() == Task.KindCase.SECAGG) {
      secure.refuse(task, reason.publicReason());
      LOG.warning("refused secure-aggregation task of job " + task.getJobId() + ": " + reason.localDetail());
    } else {
      abandon(task, reason);
    }
  }

  private void offer(Task task, JobOffer offer) {
    Optional<LocalTrainer.Decline> decline = trainer.check(offer.getSpec());
    if (decline.isEmpty()) {
      decline = privacyDecline(offer.getSpec());
    }
    // Only the public rendering leaves the node: no cell value, no local path (issue 22 #11).
    client.answerOffer(task.getJobId(), decline.isEmpty(),
        decline.map(LocalTrainer.Decline::publicReason).orElse(""));
    if (decline.isEmpty()) {
      LOG.info("accepted job " + task.getJobId() + " (" + offer.getSpec().getName() + ")");
    } else {
      LOG.warning("declined job " + task.getJobId() + ": " + decline.get().localDetail());
    }
  }

  private void train(Task task, TrainTask t) throws InterruptedException {
    long started = clock.millis();
    Optional<String> replay = replays.check(task.getJobId(), task.getTaskId(), t.getRound());
    if (replay.isPresent()) {
      abandon(task, LocalTrainer.Decline.of(replay.get()));
      return;
    }
    if (t.hasDistributedDp() || io.cohort.client.privacy.DistributedDpPlanner.distributed(t.getSpec())) {
      distributedRound(task, t, started);
      return;
    }
    if (t.getSpec().getSecureAggregation().getEnabled() && !t.hasSecureAggregation()) {
      // The accepted terms promise secure aggregation: a plain round would send the update unmasked.
      abandon(task, LocalTrainer.Decline.of("job " + task.getJobId() + " was accepted with secure aggregation, but round "
          + t.getRound() + " comes without it; refused, since the update would leave this node unmasked"));
      return;
    }
    abandonOnFailure(task, () -> {
      if (t.hasSecureAggregation()) {
        // Issue 21 #2/#3: the peers are checked before anything is admitted, trained or recorded.
        secure.checkPeers(t.getSecureAggregation());
      }
      Optional<TensorBundle> global = t.getModelId().isEmpty() ? Optional.empty()
          : Optional.of(model(task.getJobId(), t.getModelId(), t.getModelSha256().toByteArray()));
      if (t.hasFederationStatistics()) {
        trainer.useFederationStatistics(t.getSpec(), t.getFederationStatistics());
      }
      // The node's privacy policy decides, whatever the task says: a round that would overspend
      // (or a non-private round on a budgeted dataset) is refused before any training.
      Optional<PrivacyGuard.Admission> admission = privacy.admit(t.getSpec(), t.getRound(),
          PrivacyGuard.isPrivate(t.getSpec()) ? trainer.trainingExamples(t.getSpec()) : 0);
      LocalTrainer.Outcome out = admission.isPresent()
          ? trainer.trainPrivately(t.getSpec(), t.getRound(), global, admission.get().plan())
          : trainer.train(t.getSpec(), t.getRound(), global);
      if (clock.millis() > t.getDeadlineUnixMs()) {
        LOG.warning("round " + t.getRound() + " of job " + task.getJobId() + " passed its deadline while training;"
            + " update not sent");
        return;
      }
      // Write-ahead: the spend is durable before anything of the round leaves the node; in a secure round that
      // is its masked input, so a round aborted before it (and retried) is charged once.
      WriteAhead spend = admission.isEmpty() ? WriteAhead.NONE
          : () -> recordSpend(task, t.getSpec(), " round " + t.getRound(), admission.get(), "privacy spend");
      if (t.hasSecureAggregation()) {
        // Secure round: the update never leaves the node in the clear; only its masked delta does.
        secure.start(task, t, global.orElseThrow(() -> new WireFormatException("a secure round names no global model")),
            out, spend);
      } else {
        spend.record();
        // Issue 19 #3: under DP the example count is not released in the clear; every node weighs 1.
        client.pushUpdate(task.getJobId(), task.getTaskId(), t.getRound(), admission.isPresent() ? 1 : out.examples(),
            out.parameters(), admission.isPresent() ? java.util.Map.of() : out.metrics(),
            ModelReceipts.signed(identity, task.getJobId(), t.getSpec(), t.getRound(),
                t.getModelSha256().toByteArray()), TRANSFER_TIMEOUT);
      }
      LOG.info(String.format("job %s round %d: trained on %d examples in %d ms, train_loss %.4f, %s",
          task.getJobId(), t.getRound(), out.examples(), clock.millis() - started, out.metrics().get("train_loss"),
          t.hasSecureAggregation() ? "secure aggregation started" : "update sent"));
    });
  }

  /**
   * A distributed-DP round (issue 19 #1): the node checks the round's terms itself, is admitted by its
   * budget, encodes its sampled units' clipped gradients with its noise share, records the spend
   * (write-ahead) and only then masks the words into secure aggregation. A refused round writes no
   * ledger entry and sends nothing but the refusal.
   */
  private void distributedRound(Task task, TrainTask t, long started) throws InterruptedException {
    abandonOnFailure(task, () -> {
      if (!io.cohort.client.privacy.DistributedDpPlanner.distributed(t.getSpec())) {
        throw new RoundRefusedException("round " + t.getRound() + " carries distributed-DP terms, but the accepted job"
            + " is not in privacy.mode distributed; refused");
      }
      if (t.hasSecureAggregation()) {
        secure.checkPeers(t.getSecureAggregation());
      }
      if (t.getModelId().isEmpty()) {
        throw new RoundRefusedException("distributed-DP round " + t.getRound() + " names no global model; refused");
      }
      TensorBundle global = model(task.getJobId(), t.getModelId(), t.getModelSha256().toByteArray());
      DistributedDpNodeRound.Encoded e = distributed.encode(t, global);
      if (clock.millis() > t.getDeadlineUnixMs()) {
        LOG.warning("distributed-DP round " + t.getRound() + " of job " + task.getJobId() + " passed its deadline while"
            + " encoding; nothing recorded or sent");
        return;
      }
      secure.startEncoded(task, t, global, e.words(),
          () -> recordSpend(task, t.getSpec(), " round " + t.getRound(), e.admission(), "distributed-DP spend"));
      LOG.info(String.format("job %s round %d: %d sampled units encoded with a noise share for %d contributors in %d"
          + " ms; secure aggregation started", task.getJobId(), t.getRound(), e.units(), e.contributors(),
          clock.millis() - started));
    });
  }

  /**
   * Records an admitted spend (write-ahead: before the release it pays for leaves), logs it ("job J{where}:
   * recorded {what}, ...") and reports the job's entries to the coordinator.
   */
  private void recordSpend(Task task, JobSpec spec, String where, PrivacyGuard.Admission admission, String what)
      throws RoundRefusedException, IOException {
    var entry = privacy.record(admission);
    afterLedgerRecord.run();
    LOG.info(String.format("job %s%s: recorded %s, dataset '%s' now at epsilon %.4f", task.getJobId(), where, what,
        spec.getDatasetAlias(), entry.epsilonAfter()));
    client.pushLedgerEntries(task.getJobId(), privacy.entries(spec.getDatasetAlias(), task.getJobId()));
  }

  /** A training round's work; any refusal or local failure in it abandons the task with its reason. */
  @FunctionalInterface
  private interface RoundWork {
    void run() throws LocalTrainer.LocalDataException, WireFormatException, RoundRefusedException,
        io.cohort.client.trust.PeerRefusedException, IOException, InterruptedException;
  }

  /** Runs {@code work}, answering its failures by abandoning {@code task} with a reason (nothing else is sent). */
  private void abandonOnFailure(Task task, RoundWork work) throws InterruptedException {
    try {
      work.run();
    } catch (LocalTrainer.LocalDataException e) {
      abandon(task, e.decline());
    } catch (WireFormatException | IllegalArgumentException | RoundRefusedException
        | io.cohort.client.trust.PeerRefusedException e) {
      abandon(task, LocalTrainer.Decline.of(e.getMessage()));
    } catch (IOException e) {
      String reason = "privacy ledger unavailable, so nothing is trained or sent";
      abandon(task, new LocalTrainer.Decline(reason, reason + ": " + e.getMessage()));
    }
  }

  private Optional<LocalTrainer.Decline> privacyDecline(JobSpec spec) {
    if (PrivacyGuard.isPrivate(spec)) {
      releaseEndedJobs();
    }
    try {
      long rows = PrivacyGuard.isPrivate(spec) ? trainer.trainingExamples(spec) : 0;
      // Accepting reserves the job's projected spend, durably, before the answer leaves (issue 22 #2).
      return privacy.acceptOffer(spec, rows).map(LocalTrainer.Decline::of);
    } catch (LocalTrainer.LocalDataException e) {
      return Optional.of(e.decline());
    }
  }

  /**
   * Asks the coordinator which jobs are still active and releases the reservations of the others
   * first, so a job that ended since the last heartbeat does not hold budget against this offer.
   */
  private void releaseEndedJobs() {
    long sentAt = System.currentTimeMillis(); // the clock reservations are stamped with
    try {
      var reply = client.heartbeat();
      if (reply.hasActiveJobs()) {
        for (String job : privacy.releaseEnded(reply.getActiveJobs().getJobIdsList(), sentAt)) {
          LOG.info("job " + job + " ended: released its unspent privacy budget reservation");
        }
      }
    } catch (io.grpc.StatusRuntimeException | IOException e) {
      LOG.fine(() -> "could not refresh the active jobs before an offer: " + e.getMessage());
    }
  }

  /**
   * Issue 23 #2: contributes the sums over this node's training rows to the federation's secure sum of
   * feature statistics. Only masked fixed-point words leave the node. Under DP the values are clamped to
   * their columns' public ranges and the sums noised ({@link StatisticsPrivacy}); the release is admitted
   * by the node's budget and its spend recorded (write-ahead) before the words are masked. The noised words
   * are kept for the job, so a retried statistics session sends the same release, uncharged again.
   */
  private void statistics(Task task, StatisticsTask t) throws InterruptedException {
    if (!t.hasSecureAggregation()) {
      abandon(task, LocalTrainer.Decline.of("the feature statistics of job " + task.getJobId()
          + " come without secure aggregation; refused, since they would leave this node unmasked"));
      return;
    }
    abandonOnFailure(task, () -> {
      secure.checkPeers(t.getSecureAggregation());
      float[] words = PrivacyGuard.isPrivate(t.getSpec()) ? privateStatistics(task, t)
          : io.cohort.wire.StatisticsWords.encode(io.cohort.wire.StatisticsWords.flatten(t.getSpec().getTabular(),
              trainer.featureStatistics(t.getSpec())));
      secure.startStatistics(task, t, words.clone()); // the kept release stays unmasked in memory
      LOG.info("job " + task.getJobId() + ": feature statistics of this node's training rows entered secure"
          + " aggregation" + (PrivacyGuard.isPrivate(t.getSpec()) ? " (clamped and noised)" : ""));
    });
  }

  /** The noised release of a private job's statistics: admitted, noised, recorded, then returned for masking. */
  private float[] privateStatistics(Task task, StatisticsTask t) throws LocalTrainer.LocalDataException,
      RoundRefusedException, IOException {
    float[] kept = releasedStatistics.get(task.getJobId());
    if (kept != null) {
      return kept;
    }
    Optional<PrivacyGuard.Admission> charge = privacy.admitStatistics(t.getSpec());
    if (charge.isEmpty()) {
      throw new RoundRefusedException("job " + task.getJobId() + " is private, but its feature statistics have no DP"
          + " charge on this node (standardize federated in privacy.mode distributed is not supported); refused");
    }
    float[] words;
    try {
      words = io.cohort.wire.StatisticsWords.encode(StatisticsPrivacy.privatise(t.getSpec(),
          trainer.featureStatistics(t.getSpec()), statisticsNoise));
    } catch (DpParameterException e) {
      throw new RoundRefusedException("privacy: " + e.getMessage());
    }
    recordSpend(task, t.getSpec(), "", charge.get(), "the feature statistics' privacy spend");
    releasedStatistics.put(task.getJobId(), words);
    return words;
  }

  /** Sends the job's seeded initial parameters: data-independent, the round-0 model of a secure job. */
  private void initialise(Task task, InitTask t) throws InterruptedException {
    try {
      TensorBundle init = trainer.initialParameters(t.getSpec());
      client.pushUpdate(task.getJobId(), task.getTaskId(), 0, 1, init, java.util.Map.of(), TRANSFER_TIMEOUT);
      LOG.info("job " + task.getJobId() + ": sent the seeded initial model");
    } catch (LocalTrainer.LocalDataException e) {
      abandon(task, e.decline());
    }
  }

  private void evaluate(Task task, EvaluateTask t) {
    try {
      // Issue 19 #3: under DP the statistics leave noised, and the release is charged (write-ahead) first.
      Optional<PrivacyGuard.Admission> charge = privacy.admitEvaluation(t.getSpec(), t.getRound());
      TensorBundle model = model(task.getJobId(), t.getModelId(), t.getModelSha256().toByteArray());
      if (t.hasFederationStatistics()) {
        trainer.useFederationStatistics(t.getSpec(), t.getFederationStatistics());
      }
      EvaluationResult r = trainer.evaluate(t.getSpec(), model);
      if (charge.isPresent() && !EvaluationPrivacy.canNoise(r)) {
        // Token-level statistics (causal LM, chat) have no per-record bound: under DP they are not sent.
        LOG.info("job " + task.getJobId() + " round " + t.getRound() + ": token-level evaluation withheld under DP");
        r = EvaluationPrivacy.WITHHELD;
      } else if (charge.isPresent()) {
        r = EvaluationPrivacy.privatise(r, EvaluationPrivacy.noiseMultiplier(t.getSpec()), evaluationNoise);
        var entry = privacy.record(charge.get());
        LOG.info(String.format("job %s round %d: recorded the evaluation's privacy spend, dataset '%s' now at"
            + " epsilon %.4f", task.getJobId(), t.getRound(), t.getSpec().getDatasetAlias(), entry.epsilonAfter()));
        client.pushLedgerEntries(task.getJobId(), privacy.entries(t.getSpec().getDatasetAlias(), task.getJobId()));
      }
      // The audit's counts and bound only (no coin, score or record); absent when the job asks for none.
      client.pushEvaluation(task.getJobId(), task.getTaskId(), t.getRound(), r, trainer.auditSummary(t.getSpec()));
    } catch (LocalTrainer.LocalDataException e) {
      abandon(task, e.decline());
    } catch (WireFormatException | RoundRefusedException | IllegalArgumentException e) {
      abandon(task, LocalTrainer.Decline.of(e.getMessage()));
    } catch (DpParameterException e) {
      abandon(task, LocalTrainer.Decline.of("privacy: " + e.getMessage()));
    } catch (IOException e) {
      String reason = "privacy ledger unavailable, so no evaluation is sent";
      abandon(task, new LocalTrainer.Decline(reason, reason + ": " + e.getMessage()));
    }
  }

  private TensorBundle model(String jobId, String modelId, byte[] sha) throws WireFormatException {
    if (!modelId.equals(cachedModelId)) {
      cachedModel = client.downloadModel(jobId, modelId, sha, TRANSFER_TIMEOUT);
      cachedModelId = modelId;
    }
    return cachedModel;
  }

  /** Logs the full detail locally; the coordinator gets the public reason only. */
  private void abandon(Task task, LocalTrainer.Decline reason) {
    LOG.warning("cannot do task " + task.getKindCase() + " of job " + task.getJobId() + ": " + reason.localDetail());
    client.abandonTask(task.getJobId(), task.getTaskId(), reason.publicReason());
  }
}
