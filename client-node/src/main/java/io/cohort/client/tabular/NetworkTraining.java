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
    return train(model, start, data, params, seed, audit, round, epoch -> { });
  }

  /** As above, telling {@code afterEpoch} each finished epoch's number, from 1 (progress lines, issue 23 #7). */
  public static TrainResult train(TabularNetwork model, TensorBundle start, EncodedData data, TrainingParams params,
      long seed, JobAudit audit, int round, java.util.function.IntConsumer afterEpoch) {
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
        BatchGradient g = batchGradient(net, data, rows, params.classWeights(), type);
        double batchLoss = g.lossSum();
        if (!Double.isFinite(batchLoss)) {
          // Stop before NaN weights can reach the coordinator's average.
          throw new IllegalStateException("training diverged: loss is " + batchLoss + " in epoch " + (epoch + 1)
              + "; lower learningRate (now " + params.learningRate() + ")");
        }
        lossSum += batchLoss;
        INDArray sum = g.sum();
        if (canaries != null) {
          float[] flat = TabularNetwork.toFloats(sum);
          canaries.beforeNoise(flat, (double) size / n);
          canaries.afterNoise(flat); // no noise: the canaries are released as they are
          sum = org.nd4j.linalg.factory.Nd4j.create(flat, sum.shape(), DataType.FLOAT).castTo(type);
        }
        adam.step(net.params(), sum.div(size));
      }
      epochLoss = lossSum / n;
      afterEpoch.accept(epoch + 1);
    }
    return new TrainResult(model.toBundle(TabularNetwork.toFloats(net.params())), epochLoss, n);
  }

  /** The batch's summed gradient and summed (class-weighted) loss. */
  record BatchGradient(INDArray sum, double lossSum) {}

  /**
   * The gradient summed over {@code rows} and their summed loss; with class weights, the sum of each
   * row's gradient and loss times its class's weight. DL4J's label masks are meant to be 0/1 (a mask of
   * 2 does not double a row's gradient), so a weighted batch runs one pass per class present, each over
   * that class's rows, scaled by its weight: exact, at up to one pass per class.
   */
  static BatchGradient batchGradient(MultiLayerNetwork net, EncodedData data, int[] rows, double[] classWeights,
      DataType type) {
    if (classWeights == null) {
      return pass(net, data, rows, type, 1.0);
    }
    INDArray sum = null;
    double loss = 0;
    for (int c = 0; c < classWeights.length; c++) {
      int[] ofClass = ofClass(data, rows, c);
      if (ofClass.length == 0) {
        continue;
      }
      BatchGradient part = pass(net, data, ofClass, type, classWeights[c]);
      sum = sum == null ? part.sum() : sum.addi(part.sum());
      loss += part.lossSum();
    }
    return new BatchGradient(sum, loss);
  }

  private static BatchGradient pass(MultiLayerNetwork net, EncodedData data, int[] rows, DataType type,
      double weight) {
    net.setInput(NetworkBatches.features(data, rows, type));
    net.setLabels(NetworkBatches.labels(data, rows, type));
    net.computeGradientAndScore();
    // DL4J's score is the batch's mean loss; its gradient is the batch's sum (its updater divides).
    INDArray g = net.gradient().gradient().dup();
    return new BatchGradient(weight == 1.0 ? g : g.muli(weight), net.score() * rows.length * weight);
  }

  private static int[] ofClass(EncodedData data, int[] rows, int c) {
    return java.util.Arrays.stream(rows).filter(r -> data.labels()[r] == c).toArray();
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
    if (data.regression()) {
      return evaluateRegression(model, net, data);
    }
    int bins = PooledEvaluation.DEFAULT_BINS;
    long[] positives = new long[bins];
    long[] negatives = new long[bins];
    int classes = data.numClasses();
    int positiveClass = classes - 1;
    // More than two classes: each class's score against the rest, for the macro one-vs-rest ROC AUC.
    long[][] classPositives = classes > 2 ? new long[classes][bins] : null;
    long[][] classNegatives = classes > 2 ? new long[classes][bins] : null;
    double lossSum = 0;
    long correct = 0;
    for (int from = 0; from < data.size(); from += EVALUATION_CHUNK) {
      int size = Math.min(EVALUATION_CHUNK, data.size() - from);
      INDArray x = NetworkBatches.features(data, NetworkBatches.range(from, from + size), net.params().dataType());
      float[] p = TabularNetwork.toFloats(net.output(x, false));
      for (int i = 0; i < size; i++) {
        int label = data.labels()[from + i];
        int base = i * classes;
        // Softmax probabilities in float32 can underflow to 0; the floor keeps the loss finite, and the cap
        // bounds one row's share of the sum (issue 19 #3).
        lossSum += EvaluationStats.rowLoss(p[base + label]);
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
        if (classPositives != null) {
          for (int c = 0; c < classes; c++) {
            (c == label ? classPositives : classNegatives)[c][PooledEvaluation.bin(p[base + c], bins)]++;
          }
        }
      }
    }
    return new EvaluationStats(data.size(), lossSum, correct, positives, negatives, null, classPositives,
        classNegatives);
  }

  /**
   * A regression evaluation: the network's output mapped back to the label's units (output * scale + center),
   * and the sums of {@link EvaluationStats.RegressionSums}; the loss sum is of squared errors, or of absolute
   * errors when the network's loss is MAE / L1. The histograms are empty.
   */
  private static EvaluationStats evaluateRegression(TabularNetwork model, MultiLayerNetwork net, EncodedData data) {
    boolean absolute = model.absoluteErrorLoss();
    double sse = 0;
    double sae = 0;
    double sumY = 0;
    double sumY2 = 0;
    for (int from = 0; from < data.size(); from += EVALUATION_CHUNK) {
      int size = Math.min(EVALUATION_CHUNK, data.size() - from);
      INDArray x = NetworkBatches.features(data, NetworkBatches.range(from, from + size), net.params().dataType());
      float[] out = TabularNetwork.toFloats(net.output(x, false));
      for (int i = 0; i < size; i++) {
        double y = data.targets()[from + i];
        double e = out[i] * data.targetScale() + data.targetCenter() - y;
        sse += e * e;
        sae += Math.abs(e);
        sumY += y;
        sumY2 += y * y;
      }
    }
    var sums = new EvaluationStats.RegressionSums(data.size(), sse, sae, sumY, sumY2);
    return new EvaluationStats(data.size(), absolute ? sae : sse, 0, new long[0], new long[0], sums, null, null);
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
