package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.privacy.DpPlanner;
import io.cohort.lm.model.Parallel;
import io.cohort.lm.train.SequenceClassification;
import io.cohort.proto.v1.ClassWeight;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.PooledEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code text.class_weight} in a node's text trainer (issue 23 #3): applied to the head's loss on the plain
 * and DP-SGD paths, balanced refused under DP, and on a tiny imbalanced set (1 positive in 8) a weight on
 * the minority label raises its recall at threshold 0.5.
 */
class TextClassWeightsTest {
  private static final long SEED = 0x23_0003_1L;
  private static final String[] GRAIN = {"wheat", "corn", "grain", "maize", "barley", "harvest"};
  private static final String[] OTHER = {"cocoa", "shares", "profit", "bank", "oil", "dollar", "merger", "rates"};
  private static final String[] FILLER = {"the", "said", "in", "of", "for", "a", "year", "market", "prices", "rose"};
  @TempDir static Path dir;
  static LmTrainer node;
  static String hash;
  private static int threadsBefore;

  @BeforeAll
  static void setUp() throws Exception {
    threadsBefore = Parallel.threads();
    Parallel.setThreads(1);
    hash = TextJobs.modelHash();
    Path train = imbalanced("train.jsonl", 80, SEED);
    Path validation = imbalanced("validation.jsonl", 40, SEED + 1);
    node = new LmTrainer(TextJobs.config("n1", dir, train, Optional.of(validation),
        Map.of(TextJobs.MODEL_NAME, TextJobs.MODEL), Optional.empty()));
  }

  @AfterAll
  static void restoreThreads() {
    Parallel.setThreads(threadsBefore);
  }

  /** {@code n} seeded records, every 8th about grain (label 1); both kinds share filler words. */
  private static Path imbalanced(String name, int n, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int label = i % 8 == 0 ? 1 : 0;
      StringBuilder text = new StringBuilder();
      for (int w = 0; w < 6 + r.nextInt(8); w++) {
        // One topic word in three; the rest filler, so a record is only weakly marked.
        String[] pool = w % 3 == 0 ? (label == 1 ? GRAIN : OTHER) : FILLER;
        text.append(pool[r.nextInt(pool.length)]).append(' ');
      }
      sb.append("{\"text\": \"").append(text.toString().trim()).append("\", \"label\": ").append(label).append("}\n");
    }
    Path file = dir.resolve(name);
    Files.writeString(file, sb);
    return file;
  }

  private static JobSpec job(String id, ClassWeight weights) {
    JobSpec.Builder b = TextJobs.seqCls(id, hash, false);
    b.getTrainingBuilder().setLocalEpochs(2).setBatchSize(8).setLearningRate(0.01);
    if (weights != null) {
      b.getTextBuilder().setClassWeight(weights);
    }
    return b.build();
  }

  private static double recallAtHalf(JobSpec spec) throws Exception {
    LocalTrainer.Outcome out = node.train(spec, 1, Optional.empty());
    EvaluationResult e = node.evaluate(spec, out.parameters());
    long[] pos = e.getPositiveScoreHistogramList().stream().mapToLong(Long::longValue).toArray();
    long[] neg = e.getNegativeScoreHistogramList().stream().mapToLong(Long::longValue).toArray();
    assertThat(pos.length).isEqualTo(PooledEvaluation.DEFAULT_BINS);
    return PooledEvaluation.atThreshold(pos, neg, 0.5).recall();
  }

  @Test
  void aWeightOnTheMinorityLabel_raisesItsRecall() throws Exception {
    double none = recallAtHalf(job("none", null));
    double weighted = recallAtHalf(job("weighted", ClassWeight.newBuilder().addWeights(1).addWeights(7).build()));
    assertThat(weighted).as("recall of label 1 at 0.5 with weight 7 vs none (%.3f), seed %d", none, SEED)
        .isGreaterThan(none);
  }

  @Test
  void balanced_isComputedFromThisNodesTrainingLabels() throws Exception {
    JobSpec spec = job("balanced", ClassWeight.newBuilder().setBalanced(true).build());
    LmTrainer.Prepared p = node.prepare(spec);
    int[] labels = p.data().trainLabels();
    long ones = java.util.Arrays.stream(labels).filter(l -> l == 1).count();
    double[] w = ((SequenceClassification) p.model().task()).classWeights();
    // The head keeps float weights: n / (k n_c) to float precision.
    assertThat(w).containsExactly(new double[] {(double) labels.length / (2 * (labels.length - ones)),
        (double) labels.length / (2 * ones)}, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(ones).as("the training split holds the minority label").isPositive();
  }

  @Test
  void underDp_explicitWeightsTrain_andBalancedIsDeclined() throws Exception {
    JobSpec dp = job("dp-weighted", ClassWeight.newBuilder().addWeights(1).addWeights(5).build()).toBuilder()
        .setPrivacy(TextJobs.privacy(1.0)).build();
    assertThat(node.check(dp)).isEmpty();
    LocalTrainer.Outcome out = node.trainPrivately(dp, 1, Optional.empty(),
        DpPlanner.plan(dp, node.trainingExamples(dp)));
    assertThat(out.parameters().tensors()).allSatisfy(t -> {
      for (float v : t.values()) {
        assertThat(Float.isFinite(v)).as(t.name()).isTrue();
      }
    });
    assertThat(((SequenceClassification) node.prepare(dp).model().task()).classWeights()).containsExactly(1.0, 5.0);

    JobSpec balanced = job("dp-balanced", ClassWeight.newBuilder().setBalanced(true).build()).toBuilder()
        .setPrivacy(TextJobs.privacy(1.0)).build();
    assertThat(node.check(balanced)).hasValueSatisfying(d -> assertThat(d.toString())
        .contains("text.class_weight balanced").contains("explicit weights"));
  }
}
