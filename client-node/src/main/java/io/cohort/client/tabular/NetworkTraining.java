package io.cohort.client.tabular;

import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.TensorBundle;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Non-private training and evaluation of a {@link TabularNetwork} through DL4J's own forward and backward
 * passes ({@code computeGradientAndScore}), with {@link FlatAdam} on the flattened parameters.
 */
public final class NetworkTraining {
  /** Rows per forward pass in {@link #evaluate}, bounding native memory on large datasets. */
  private static final int EVALUATION_CHUNK = 4096;

  private NetworkTraining() {}

  /**
   * Trains from {@code start} on {@code data} with mini-batch Adam (state from zero on every call), gradients
   * averaged over each batch. Rows are shuffled at the start of every epoch by a {@link SplittableRandom}
   * seeded with {@code seed}; the last batch of an epoch takes the remaining rows. With {@code audit} (a job
   * without DP but with {@code privacy.audit}), each step adds the job's included gradient canaries, each with
   * probability batch / rows, to the batch's gradient sum, and scores them.
   *
   * @param audit null for no audit
   * @throws IllegalArgumentException when {@code start} does not fit the network or {@code data} has no rows
   * @throws IllegalStateException when the loss becomes NaN or infinite (diverged)
   */
  public static TrainResult train(TabularNetwork model, TensorBundle start, EncodedData data, TrainingParams params,
      long seed, JobAudit audit, int round) {
    requireFits(model, data);
    MultiLayerNetwork net = model.network(start);
    FlatAdam adam = new FlatAdam(net.params(), params.learningRate());
    SplittableRandom random = new SplittableRandom(seed);
    int n = data.size();
    int[] order = NetworkBatches.range(0, n);
    GradientCanaries canaries = audit == null ? null
        : audit.forRound(round, (long) params.epochs() * ((n + params.batchSize() - 1) / params.batchSize()));
    DataType type = net.params().dataType();
    double epochLoss = Double.NaN;
    for (int epoch = 0; epoch < params.epochs(); epoch++) {
      shuffle(order, random);
      double lossSum = 0;
      for (int from = 0; from < n; from += params.batchSize()) {
        int size = Math.min(params.batchSize(), n - from);
        int[] rows = java.util.Arrays.copyOfRange(order, from, from + size);
        net.setInput(NetworkBatches.features(data, rows, type));
        net.setLabels(NetworkBatches.labels(data, rows, type));
        if (params.classWeights() != null) {
          // A per-example label mask scales each row's loss and gradient: class-weighted cross-entropy.
          net.setLayerMaskArrays(null, classWeightMask(data, rows, params.classWeights(), type));
        }
        net.computeGradientAndScore();
        // DL4J's score is the batch's mean loss; its gradient is the batch's sum (its updater divides).
        double batchLoss = net.score() * size;
        if (!Double.isFinite(batchLoss)) {
          // Stop before NaN weights can reach the coordinator's average.
          throw new IllegalStateException("training diverged: loss is " + batchLoss + " in epoch " + (epoch + 1)
              + "; lower learningRate (now " + params.learningRate() + ")");
        }
        lossSum += batchLoss;
        INDArray sum = net.gradient().gradient();
        if (canaries != null) {
          float[] flat = TabularNetwork.toFloats(sum);
          canaries.beforeNoise(flat, (double) size / n);
          canaries.afterNoise(flat); // no noise: the canaries are released as they are
          sum = org.nd4j.linalg.factory.Nd4j.create(flat, sum.shape(), DataType.FLOAT).castTo(type);
        }
        adam.step(net.params(), sum.div(size));
      }
      epochLoss = lossSum / n;
    }
    return new TrainResult(model.toBundle(TabularNetwork.toFloats(net.params())), epochLoss, n);
  }

  /** A column of each row's class weight, as DL4J's label mask ([rows, 1]). */
  static INDArray classWeightMask(EncodedData data, int[] rows, double[] classWeights, DataType type) {
    double[] w = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      w[i] = classWeights[data.labels()[rows[i]]];
    }
    return org.nd4j.linalg.factory.Nd4j.create(w, new long[] {rows.length, 1}, DataType.DOUBLE).castTo(type);
  }

  /**
   * Evaluates {@code weights} on every row of {@code data}; see {@link EvaluationStats} for the score (class 1
   * of a binary task, else the last class one-vs-rest) and the histograms.
   *
   * @throws IllegalArgumentException when {@code weights} does not fit the network
   */
  public static EvaluationStats evaluate(TabularNetwork model, TensorBundle weights, EncodedData data) {
    requireWidth(model, data);
    MultiLayerNetwork net = model.network(weights);
    int bins = PooledEvaluation.DEFAULT_BINS;
    long[] positives = new long[bins];
    long[] negatives = new long[bins];
    int classes = data.numClasses();
    int positiveClass = classes - 1;
    double lossSum = 0;
    long correct = 0;
    for (int from = 0; from < data.size(); from += EVALUATION_CHUNK) {
      int size = Math.min(EVALUATION_CHUNK, data.size() - from);
      INDArray x = NetworkBatches.features(data, NetworkBatches.range(from, from + size), net.params().dataType());
      float[] p = TabularNetwork.toFloats(net.output(x, false));
      for (int i = 0; i < size; i++) {
        int label = data.labels()[from + i];
        int base = i * classes;
        // Softmax probabilities in float32 can underflow to 0; the floor keeps the loss finite.
        lossSum -= Math.log(Math.max(p[base + label], Float.MIN_NORMAL));
        int best = 0;
        for (int c = 1; c < classes; c++) {
          if (p[base + c] > p[base + best]) {
            best = c;
          }
        }
        if (best == label) {
          correct++;
        }
        int bin = PooledEvaluation.bin(p[base + positiveClass], bins);
        if (label == positiveClass) {
          positives[bin]++;
        } else {
          negatives[bin]++;
        }
      }
    }
    return new EvaluationStats(data.size(), lossSum, correct, positives, negatives);
  }

  static void requireFits(TabularNetwork model, EncodedData data) {
    requireWidth(model, data);
    if (data.size() == 0) {
      throw new IllegalArgumentException("data has no rows; training needs at least 1");
    }
  }

  private static void requireWidth(TabularNetwork model, EncodedData data) {
    if (data.width() != model.inputWidth() || data.numClasses() != model.numClasses()) {
      throw new IllegalArgumentException("the data has " + data.width() + " features and " + data.numClasses()
          + " classes; the model takes " + model.inputWidth() + " and " + model.numClasses());
    }
  }

  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  }
}
