package io.cohort.client.runtime;

import io.cohort.client.job.LocalTrainer;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.proto.v1.EvaluateTask;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.InitTask;
import io.cohort.proto.v1.JobOffer;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
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

  TaskHandler(CoordinatorClient client, LocalTrainer trainer, Clock clock, IdentityKeyPair identity, String nodeId) {
    this.client = client;
    this.trainer = trainer;
    this.clock = clock;
    this.secure = new SecureParticipant(client, identity, nodeId, clock, TRANSFER_TIMEOUT);
  }

  void handle(Task task) throws InterruptedException {
    switch (task.getKindCase()) {
      case OFFER -> offer(task, task.getOffer());
      case TRAIN -> train(task, task.getTrain());
      case EVALUATE -> evaluate(task, task.getEvaluate());
      case INIT -> initialise(task, task.getInit());
      case SECAGG -> secure.stage(task, task.getSecagg());
      default -> LOG.warning("ignoring task " + task.getTaskId() + " of unknown kind " + task.getKindCase()
          + "; this node may need an upgrade");
    }
  }

  private void offer(Task task, JobOffer offer) {
    Optional<String> decline = trainer.check(offer.getSpec());
    client.answerOffer(task.getJobId(), decline.isEmpty(), decline.orElse(""));
    if (decline.isEmpty()) {
      LOG.info("accepted job " + task.getJobId() + " (" + offer.getSpec().getName() + ")");
    } else {
      LOG.warning("declined job " + task.getJobId() + ": " + decline.get());
    }
  }

  private void train(Task task, TrainTask t) throws InterruptedException {
    long started = clock.millis();
    try {
      Optional<TensorBundle> global = t.getModelId().isEmpty() ? Optional.empty()
          : Optional.of(model(task.getJobId(), t.getModelId(), t.getModelSha256().toByteArray()));
      LocalTrainer.Outcome out = trainer.train(t.getSpec(), t.getRound(), global);
      if (clock.millis() > t.getDeadlineUnixMs()) {
        LOG.warning("round " + t.getRound() + " of job " + task.getJobId() + " passed its deadline while training;"
            + " update not sent");
        return;
      }
      if (t.hasSecureAggregation()) {
        // Secure round: the update never leaves the node in the clear; only its masked delta does.
        secure.start(task, t, global.orElseThrow(() -> new WireFormatException("a secure round names no global model")),
            out);
      } else {
        client.pushUpdate(task.getJobId(), task.getTaskId(), t.getRound(), out.examples(), out.parameters(),
            out.metrics(), TRANSFER_TIMEOUT);
      }
      LOG.info(String.format("job %s round %d: trained on %d examples in %d ms, train_loss %.4f, %s",
          task.getJobId(), t.getRound(), out.examples(), clock.millis() - started, out.metrics().get("train_loss"),
          t.hasSecureAggregation() ? "secure aggregation started" : "update sent"));
    } catch (LocalTrainer.LocalDataException | WireFormatException | IllegalArgumentException e) {
      abandon(task, e.getMessage());
    }
  }

  /** Sends the job's seeded initial parameters: data-independent, the round-0 model of a secure job. */
  private void initialise(Task task, InitTask t) throws InterruptedException {
    try {
      TensorBundle init = trainer.initialParameters(t.getSpec());
      client.pushUpdate(task.getJobId(), task.getTaskId(), 0, 1, init, java.util.Map.of(), TRANSFER_TIMEOUT);
      LOG.info("job " + task.getJobId() + ": sent the seeded initial model");
    } catch (LocalTrainer.LocalDataException e) {
      abandon(task, e.getMessage());
    }
  }

  private void evaluate(Task task, EvaluateTask t) {
    try {
      TensorBundle model = model(task.getJobId(), t.getModelId(), t.getModelSha256().toByteArray());
      EvaluationResult r = trainer.evaluate(t.getSpec(), model);
      client.pushEvaluation(task.getJobId(), task.getTaskId(), t.getRound(), r);
    } catch (LocalTrainer.LocalDataException | WireFormatException e) {
      abandon(task, e.getMessage());
    }
  }

  private TensorBundle model(String jobId, String modelId, byte[] sha) throws WireFormatException {
    if (!modelId.equals(cachedModelId)) {
      cachedModel = client.downloadModel(jobId, modelId, sha, TRANSFER_TIMEOUT);
      cachedModelId = modelId;
    }
    return cachedModel;
  }

  private void abandon(Task task, String reason) {
    LOG.warning("cannot do task " + task.getKindCase() + " of job " + task.getJobId() + ": " + reason);
    client.abandonTask(task.getJobId(), task.getTaskId(), reason);
  }
}
