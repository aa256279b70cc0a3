package io.cohort.coordinator.round;

import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.crypto.SecureTokens;
import io.cohort.proto.v1.InitTask;
import io.cohort.proto.v1.Task;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The round-0 model of a job whose protocol needs one (secure aggregation takes deltas from a
 * global model): the job's seeded initialisation, asked of one accepting node, another on each retry.
 */
final class InitialModel {
  private static final Logger LOG = Logger.getLogger(InitialModel.class.getName());

  private final RoundContext ctx;
  private final ModelStore models;
  private final Offers offers;

  InitialModel(RoundContext ctx, ModelStore models, Offers offers) {
    this.ctx = ctx;
    this.models = models;
    this.offers = offers;
  }

  /** Makes sure the round-0 model is stored. */
  void ensure() throws JobFailure, InterruptedException {
    if (models.exists(ModelStore.modelId(ctx.jobId(), 0))) {
      return;
    }
    Attempts.attempt(ctx.jobId(), "initialisation", ctx.settings().maxRoundAttempts(), this::askOneNode);
  }

  private Attempts.Try<Void> askOneNode(int attempt) throws InterruptedException {
    List<NodeSession> nodes = offers.awaitLiveAccepted(ctx.roundDeadline());
    if (nodes.isEmpty()) {
      return Attempts.Try.failure("no accepting node connected");
    }
    NodeSession n = nodes.get((attempt - 1) % nodes.size());
    TaskCollection<ClientUpdate> c = new TaskCollection<>("initialisation", 0, ctx.waiter());
    String taskId = SecureTokens.token();
    c.expect(taskId, n);
    ctx.tasks().open(c);
    ctx.registry().enqueue(n, Task.newBuilder().setTaskId(taskId).setJobId(ctx.jobId())
        .setInit(InitTask.newBuilder().setSpec(ctx.spec())).build());
    Instant deadline = ctx.roundDeadline();
    Map<String, ClientUpdate> results = c.awaitAndClose(deadline, ctx.registry()::isLive);
    if (results.isEmpty()) {
      return Attempts.Try.failure("node " + n.nodeId() + " sent no initial model"
          + (c.abandonedReasons().isEmpty() ? "" : ": " + c.abandonedReasons()));
    }
    models.write(ctx.jobId(), 0, results.values().iterator().next().parameters());
    LOG.info(() -> "job " + ctx.jobId() + ": stored the initial model from node " + n.nodeId());
    return Attempts.Try.success(null);
  }
}
