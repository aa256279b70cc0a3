package io.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.NodeEvaluation;
import io.cohort.coordinator.store.ScoreHistograms;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.crypto.SecureTokens;
import io.cohort.proto.v1.EvaluateTask;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.Task;
import io.cohort.wire.PooledEvaluation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

/** Federated evaluation of a stored round's model: every live accepting node reports metrics, which are pooled. */
final class EvaluationPhase {
  private static final Logger LOG = Logger.getLogger(EvaluationPhase.class.getName());

  private final RoundContext ctx;
  private final JobStore store;
  private final Offers offers;

  EvaluationPhase(RoundContext ctx, JobStore store, Offers offers) {
    this.ctx = ctx;
    this.store = store;
    this.offers = offers;
  }

  void evaluate(RoundRecord round) throws InterruptedException {
    // After a restart no node may be connected yet: give them the evaluation window to come back,
    // rather than recording an evaluation of nobody that is never redone.
    List<NodeSession> nodes = offers.awaitLiveAccepted(ctx.waiter().in(ctx.settings().evaluationTimeout()));
    TaskCollection<EvaluationResult> c = new TaskCollection<>("evaluation", round.round(), ctx.waiter());
    ctx.tasks().openEvaluation(c);
    ByteString sha = ByteString.copyFrom(HexFormat.of().parseHex(round.modelSha256()));
    for (NodeSession n : nodes) {
      String taskId = SecureTokens.token();
      c.expect(taskId, n);
      EvaluateTask.Builder evaluate = EvaluateTask.newBuilder().setSpec(ctx.spec()).setRound(round.round())
          .setModelId(round.modelId()).setModelSha256(sha);
      ctx.statistics().get().ifPresent(evaluate::setFederationStatistics);
      ctx.registry().enqueue(n, Task.newBuilder().setTaskId(taskId).setJobId(ctx.jobId()).setEvaluate(evaluate).build());
    }
    Instant deadline = ctx.waiter().in(ctx.settings().evaluationTimeout());
    Map<String, EvaluationResult> results = c.awaitAndClose(deadline, ctx.registry()::isLive);
    PooledEvaluation pooled = new PooledEvaluation();
    List<NodeEvaluation> perNode = new ArrayList<>();
    String released = NodeEvaluation.released(ctx.spec());
    for (Map.Entry<String, EvaluationResult> e : new TreeMap<>(results).entrySet()) {
      try {
        pooled.add(e.getValue());
        if (e.getValue().getNumExamples() > 0) {
          perNode.add(new NodeEvaluation(round.round(), e.getKey(),
              pooledEvaluation(1, new PooledEvaluation().add(e.getValue())), released));
        }
      } catch (IllegalArgumentException bad) {
        LOG.warning("job " + ctx.jobId() + " round " + round.round() + ": evaluation from node "
            + e.getKey() + " ignored: " + bad.getMessage());
      }
    }
    RoundRecord.Evaluation eval = pooledEvaluation(results.size(), pooled);
    long[] pos = pooled.positiveHistogram();
    long[] neg = pooled.negativeHistogram();
    ScoreHistograms histograms = pos == null || pos.length == 0 || pooled.isRegression()
        || !Double.isNaN(pooled.macroRocAuc()) ? null : new ScoreHistograms(pos, neg);
    store.recordEvaluation(ctx.jobId(), round.round(), eval, histograms, perNode);
    LOG.info(() -> String.format("job %s round %d: %d nodes evaluated %d examples: loss %.4f accuracy %.4f roc_auc %.4f",
        ctx.jobId(), round.round(), eval.nodes(), eval.examples(), eval.loss(), eval.accuracy(), eval.rocAuc())
        + (Double.isNaN(eval.rmse()) ? "" : String.format(" rmse %.4f mae %.4f r2 %.4f", eval.rmse(), eval.mae(),
            eval.r2())));
  }

  /**
   * The round's metrics by the kind of job the results show: regression (RMSE, MAE, R² from the pooled sums; no
   * accuracy or AUC), multi-class (the macro one-vs-rest ROC AUC; no positive-class metrics, since no class is
   * the positive one) or binary.
   */
  static RoundRecord.Evaluation pooledEvaluation(int nodes, PooledEvaluation pooled) {
    double nan = Double.NaN;
    if (pooled.isRegression()) {
      return new RoundRecord.Evaluation(nodes, pooled.examples(), pooled.meanLoss(), nan, nan, nan, nan, nan, nan,
          nan, nan, pooled.rmse(), pooled.mae(), pooled.r2());
    }
    double macro = pooled.macroRocAuc();
    if (!Double.isNaN(macro)) {
      return new RoundRecord.Evaluation(nodes, pooled.examples(), pooled.meanLoss(), pooled.accuracy(), macro, nan,
          nan, nan, nan, nan, nan);
    }
    PooledEvaluation.ThresholdMetrics half = pooled.atThreshold(0.5);
    PooledEvaluation.ThresholdMetrics best = pooled.bestF1();
    return new RoundRecord.Evaluation(
        nodes, pooled.examples(), pooled.meanLoss(), pooled.accuracy(), pooled.rocAuc(), pooled.f1(),
        pooled.prAuc(), half == null ? nan : half.precision(), half == null ? nan : half.recall(),
        best == null ? nan : best.threshold(), best == null ? nan : best.f1());
  }
}
