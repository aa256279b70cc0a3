package io.cohort.lm.train;

import io.cohort.lm.model.Blas;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Sequence classification: pooled final hidden states, a linear head {@code score} ([labels,
 * width] weight and [labels] bias, initialised as PyTorch's nn.Linear), softmax cross-entropy.
 * The head is trainable (PEFT's {@code modules_to_save = ["score"]}).
 *
 * <p>Optional class weights ({@link #setClassWeights}) multiply each example's loss by its label's
 * weight, so its gradient (per example under DP-SGD, before clipping) is the weight times the
 * unweighted one; the batch loss stays a mean over examples (the weighted sum divided by the batch
 * size, as scikit-learn's {@code class_weight} and the tabular trainer). Probabilities are unaffected.
 */
public final class SequenceClassification implements Objective {
  private final int width;
  private final int labels;
  private final Pooling pooling;
  private final Parameter weight;
  private final Parameter bias;
  /** Each label's loss weight, or null when every label weighs 1. */
  private float[] classWeights;

  public SequenceClassification(int width, int labels, Pooling pooling, SplittableRandom init) {
    if (labels < 2) {
      throw new IllegalArgumentException("classification needs at least 2 labels, got " + labels);
    }
    this.width = width;
    this.labels = labels;
    this.pooling = pooling;
    double bound = 1.0 / Math.sqrt(width);
    float[] w = new float[labels * width];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((init.nextDouble() * 2 - 1) * bound);
    }
    float[] b = new float[labels];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) ((init.nextDouble() * 2 - 1) * bound);
    }
    this.weight = new Parameter("score.weight", new int[] {labels, width}, w);
    this.bias = new Parameter("score.bias", new int[] {labels}, b);
  }

  /**
   * The stream {@code cohort-node train} initialises the head from for a run's {@code seed}: mixed with
   * a constant so it is not the stream LoRA's A (or the data order) is drawn from.
   */
  public static SplittableRandom initStream(long seed) {
    return new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
  }

  public int labels() {
    return labels;
  }

  /**
   * Weighs each example's loss by its label's weight in the training that follows; null for 1 each.
   *
   * @throws IllegalArgumentException unless there is one finite weight > 0 per label
   */
  public void setClassWeights(double[] weights) {
    if (weights == null) {
      classWeights = null;
      return;
    }
    if (weights.length != labels) {
      throw new IllegalArgumentException("class weights: " + weights.length + " given for " + labels + " labels");
    }
    float[] w = new float[labels];
    for (int c = 0; c < labels; c++) {
      if (!(weights[c] > 0) || !Double.isFinite(weights[c])) {
        throw new IllegalArgumentException("class weight of label " + c + " is " + weights[c]
            + "; expected a finite number > 0");
      }
      w[c] = (float) weights[c];
    }
    classWeights = w;
  }

  /** The label weights in use, or null when every label weighs 1. */
  public double[] classWeights() {
    if (classWeights == null) {
      return null;
    }
    double[] w = new double[labels];
    for (int c = 0; c < labels; c++) {
      w[c] = classWeights[c];
    }
    return w;
  }

  public Pooling pooling() {
    return pooling;
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(weight, bias);
  }

  /** Pooled vectors [batch, width]. */
  float[] pool(float[] hidden, Batch batch) {
    int t = batch.seqLen();
    float[] pooled = new float[batch.batch() * width];
    for (int i = 0; i < batch.batch(); i++) {
      int len = batch.lengths()[i];
      if (pooling == Pooling.LAST) {
        System.arraycopy(hidden, (i * t + len - 1) * width, pooled, i * width, width);
      } else {
        for (int s = 0; s < len; s++) {
          int o = (i * t + s) * width;
          for (int d = 0; d < width; d++) {
            pooled[i * width + d] += hidden[o + d];
          }
        }
        float inv = 1f / len;
        for (int d = 0; d < width; d++) {
          pooled[i * width + d] *= inv;
        }
      }
    }
    return pooled;
  }

  /** Class probabilities [batch, labels] (softmax of the head's logits). */
  public float[] probabilities(float[] hidden, Batch batch) {
    float[] p = logits(pool(hidden, batch), batch.batch());
    for (int i = 0; i < batch.batch(); i++) {
      softmax(p, i * labels, labels);
    }
    return p;
  }

  private float[] logits(float[] pooled, int n) {
    float[] z = new float[n * labels];
    for (int i = 0; i < n; i++) {
      System.arraycopy(bias.value(), 0, z, i * labels, labels);
    }
    Blas.gemm(false, true, n, labels, width, 1f, pooled, 0, width, weight.value(), 0, width, 1f, z, 0, labels);
    return z;
  }

  @Override
  public double loss(float[] hidden, Batch batch, Pass pass, float[] dHidden) {
    int n = batch.batch();
    int t = batch.seqLen();
    float[] pooled = pool(hidden, batch);
    float[] p = logits(pooled, n);
    double loss = 0;
    for (int i = 0; i < n; i++) {
      int y = batch.labels()[i];
      if (y < 0 || y >= labels) {
        throw new IllegalArgumentException("label " + y + " outside [0, " + labels + ")");
      }
      softmax(p, i * labels, labels);
      loss -= weightOf(y) * Math.log(Math.max(p[i * labels + y], 1e-30f));
    }
    loss /= n;
    if (dHidden == null) {
      return loss;
    }
    // dLoss/dlogits = w_y (p - onehot), divided by n for the batch mean; unscaled per example, so each
    // example's gradient is its weight times the unweighted one before DP-SGD clips it.
    float[] dz = p;
    float norm = pass.perExample() ? 1f : 1f / n;
    for (int i = 0; i < n; i++) {
      dz[i * labels + batch.labels()[i]] -= 1f;
      float scale = norm * weightOf(batch.labels()[i]);
      for (int c = 0; c < labels; c++) {
        dz[i * labels + c] *= scale;
      }
    }
    if (pass.perExample()) {
      float[] gw = weight.perExampleGrad();
      float[] gb = bias.perExampleGrad();
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < labels; c++) {
          float d = dz[i * labels + c];
          gb[i * labels + c] += d;
          int o = i * weight.size() + c * width;
          for (int k = 0; k < width; k++) {
            gw[o + k] += d * pooled[i * width + k];
          }
        }
      }
    } else {
      Blas.gemm(true, false, labels, width, n, 1f, dz, 0, labels, pooled, 0, width, 1f, weight.grad(), 0, width);
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < labels; c++) {
          bias.grad()[c] += dz[i * labels + c];
        }
      }
    }
    float[] dPooled = new float[n * width];
    Blas.gemm(false, false, n, width, labels, 1f, dz, 0, labels, weight.value(), 0, width, 0f, dPooled, 0, width);
    java.util.Arrays.fill(dHidden, 0, n * t * width, 0f);
    for (int i = 0; i < n; i++) {
      int len = batch.lengths()[i];
      if (pooling == Pooling.LAST) {
        System.arraycopy(dPooled, i * width, dHidden, (i * t + len - 1) * width, width);
      } else {
        float inv = 1f / len;
        for (int s = 0; s < len; s++) {
          int o = (i * t + s) * width;
          for (int d = 0; d < width; d++) {
            dHidden[o + d] = dPooled[i * width + d] * inv;
          }
        }
      }
    }
    return loss;
  }

  private float weightOf(int label) {
    return classWeights == null ? 1f : classWeights[label];
  }

  static void softmax(float[] z, int off, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, z[off + i]);
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      z[off + i] = (float) Math.exp(z[off + i] - max);
      sum += z[off + i];
    }
    for (int i = 0; i < n; i++) {
      z[off + i] = (float) (z[off + i] / sum);
    }
  }
}
