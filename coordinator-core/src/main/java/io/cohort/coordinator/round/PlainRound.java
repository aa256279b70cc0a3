package io.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.crypto.SecureTokens;
import io.cohort.proto.v1.Task;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.TensorBundle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A round without secure aggregation: each participant trains and uploads its update in the
 * clear, and the job's strategy (FedAvg, FedAdam) combines the updates that arrive by the deadline.
 */
final class PlainRound implements RoundProtocol {
  private final RoundContext ctx;
  private final Strategy strategy;

  PlainRound(RoundContext ctx, Strategy strategy) {
    this.ctx = ctx;
    this.strategy = strategy;
  }

  @Override
  public boolean secure() {
    return false;
  }

  @Override
  public RoundOutcome run(RoundInput in) throws InterruptedException {
    int min = ctx.spec().getMinNodes();
    List<NodeSession> participants = in.participants();
    if (participants.size() < min) {
      return new RoundOutcome.Refused("only " + participants.size() + " accepting nodes connected, min_nodes is " + min);
    }
    in.onStart().accept(participants);
    Instant deadline = ctx.roundDeadline();
    TaskCollection<ClientUpdate> updates =
        new TaskCollection<>("training", in.round(), ctx.waiter(), new SameLayout(in.global().orElse(null)));
    ctx.tasks().open(updates);
    ByteString startSha = ByteString.copyFrom(in.global().map(TensorBundle::sha256).orElse(new byte[0]));
    ctx.tasks().expectReceipts(in.round(), startSha.toByteArray());
    for (NodeSession p : participants) {
      String taskId = SecureTokens.token();
      updates.expect(taskId, p);
      TrainTask.Builder train = TrainTask.newBuilder().setSpec(ctx.spec()).setRound(in.round())
          .setModelId(in.globalModelId()).setModelSha256(startSha).setDeadlineUnixMs(deadline.toEpochMilli());
      ctx.statistics().get().ifPresent(train::setFederationStatistics);
      ctx.registry().enqueue(p, Task.newBuilder().setTaskId(taskId).setJobId(ctx.jobId()).setTrain(train).build());
    }
    Map<String, ClientUpdate> results = updates.awaitAndClose(deadline, ctx.registry()::isLive);
    if (results.size() < min) {
      Map<String, String> abandoned = updates.abandonedReasons();
      return new RoundOutcome.Failed(results.size() + " of " + participants.size()
          + " nodes returned an update, min_nodes is " + min + (abandoned.isEmpty() ? "" : "; abandoned: " + abandoned));
    }
    List<ClientUpdate> list = new ArrayList<>(results.values());
    long aggregationStart = System.nanoTime(); // a measurement for metrics, not a deadline
    TensorBundle next = strategy.aggregate(in.round(), in.global(), list);
    Duration aggregation = Duration.ofNanos(System.nanoTime() - aggregationStart);
    return new RoundOutcome.Aggregated(next, participants.stream().map(NodeSession::nodeId).toList(),
        List.copyOf(results.keySet()), list.stream().mapToLong(ClientUpdate::numExamples).sum(), aggregation);
  }
}
