package io.cohort.client.tabular;

import io.cohort.client.tabular.MlpClassifier.Network;
import io.cohort.client.tabular.PerExampleGradients.Backward;
import io.cohort.client.tabular.PerExampleGradients.Gradients;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.TensorBundle;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DP-SGD for the MLP (Abadi et al. 2016) in the form the accountants analyse: each step draws a
 * Poisson batch (every row independently with probability q), clips every example's gradient to
 * L2 norm C ({@link PerExampleGradients}), adds Gaussian noise of stddev sigma * C to the sum, and
 * divides by the expected batch size q * n (not the drawn size, which would itself leak). The
 * optimiser (SGD or Adam) then only post-processes the privatised gradient.
 *
 * <p>Randomness: the batch draws come from the given {@link PoissonSampler} and the noise from the
 * given {@link GaussianNoise}; both are part of the mechanism the accountant analyses, so in real
 * training both are keyed from SecureRandom (a batch drawn from the public job seed would let the
 * coordinator predict which rows each step used, voiding the amplification by subsampling). An empty batch still takes
 * a noise-only step, because the accountant counts every step.
 */
public final class TabularDpSgd {
  private TabularDpSgd() {}

  /**
   * Trains from {@code start}; see the class comment.
   *
   * @return the trained weights, the mean loss over the rows drawn in the steps (local
   *     information only: it is not privatised and must not leave the node), and the number of
   *     training rows
   * @throws IllegalArgumentException when {@code start} does not fit the data or there are no rows
   * @throws IllegalStateException when the parameters become NaN or infinite
   */
  public static TrainResult train(TensorBundle start, EncodedData data, DpSgdParams p, PoissonSampler sampler,
      GaussianNoise noise) {
    return train(start, data, p, sampler, noise, null, false);
  }

  /**
   * One round of a federated job audited with {@code audit} ({@code privacy.audit}): as
   * {@link #train(TensorBundle, EncodedData, DpSgdParams, PoissonSampler, GaussianNoise)}, with the job's
   * canaries in every step.
   */
  public static TrainResult train(TensorBundle start, EncodedData data, DpSgdParams p, PoissonSampler sampler,
      GaussianNoise noise, JobAudit audit, int round) {
    return train(start, data, p, sampler, noise, audit.forRound(round, p.steps()), audit.skipNoiseForTest());
  }

  /**
   * The training loop with an optional audit: {@code canaries} (may be null) adds its included
   * gradient canaries to each step's clipped sum before the noise and observes the privatised sum
   * after it ({@link GradientCanaries}). {@code skipNoiseForTest} deliberately breaks DP (no noise
   * whatever sigma says); it exists only so that tests can show the audit catches a broken build,
   * and it is package-private so that no configuration, CLI flag or job can reach it.
   */
  static TrainResult train(TensorBundle start, EncodedData data, DpSgdParams p, PoissonSampler sampler,
      GaussianNoise noise, GradientCanaries canaries, boolean skipNoiseForTest) {
    MlpClassifier.checkLayout(start, data.width(), data.numClasses());
    if (data.size() == 0) {
      throw new IllegalArgumentException("data has no rows; training needs at least 1");
    }
    Network net = Network.fromBundle(start, DataType.FLOAT);
    MlpClassifier.Adam adam = p.optimizer() == DpSgdParams.Optimizer.ADAM
        ? new MlpClassifier.Adam(net, p.learningRate()) : null;
    int n = data.size();
    int width = data.width();
    double expectedBatch = p.samplingRate() * n;
    double stddev = p.noiseMultiplier() * p.clipNorm();
    double lossSum = 0;
    long drawn = 0;
    for (long step = 0; step < p.steps(); step++) {
      int[] batch = sampler.sample(n, p.samplingRate());
      int size = batch.length;
      float[] flat;
      if (size == 0) {
        flat = new float[parameterCount(net)];
      } else {
        float[] x = new float[size * width];
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
          System.arraycopy(data.features(), batch[i] * width, x, i * width, width);
          labels[i] = data.labels()[batch[i]];
        }
        Backward b = PerExampleGradients.backward(net, Nd4j.create(x, new long[] {size, width}, DataType.FLOAT),
            labels);
        lossSum += b.lossSum();
        drawn += size;
        INDArray factors = PerExampleGradients.clipFactors(PerExampleGradients.norms(b), p.clipNorm());
        flat = PerExampleGradients.scaledSum(b, factors).flatten();
      }
      if (canaries != null) {
        canaries.beforeNoise(flat, p.samplingRate());
      }
      try {
        if (!skipNoiseForTest) {
          noise.addNoise(flat, stddev);
        }
      } catch (DpParameterException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      if (canaries != null) {
        canaries.afterNoise(flat);
      }
      Gradients g = Gradients.unflatten(flat, net, 1.0 / expectedBatch);
      Network.Pass pass = new Network.Pass(0, g.weights(), g.biases());
      if (adam != null) {
        adam.step(pass);
      } else {
        for (int i = 0; i < net.weights.length; i++) {
          net.weights[i].subi(g.weights()[i].muli(p.learningRate()));
          net.biases[i].subi(g.biases()[i].muli(p.learningRate()));
        }
      }
    }
    TensorBundle out = net.toBundle();
    for (var t : out.tensors()) {
      for (float v : t.values()) {
        if (!Float.isFinite(v)) {
          throw new IllegalStateException("DP-SGD diverged: tensor '" + t.name() + "' holds " + v
              + "; lower the learning rate (now " + p.learningRate() + ")");
        }
      }
    }
    return new TrainResult(out, drawn == 0 ? Double.NaN : lossSum / drawn, n);
  }

  static int parameterCount(Network net) {
    long total = 0;
    for (int i = 0; i < net.weights.length; i++) {
      total += net.weights[i].length() + net.biases[i].length();
    }
    return Math.toIntExact(total);
  }
}
