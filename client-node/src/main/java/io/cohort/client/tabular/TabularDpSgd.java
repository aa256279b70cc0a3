package io.cohort.client.tabular;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.TensorBundle;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DP-SGD for a DL4J {@link TabularNetwork} (Abadi et al. 2016) in the form the accountants analyse: each step draws a
 * Poisson batch (every row independently with probability q), clips every example's gradient to
 * L2 norm C ({@link PerExampleGradients}: vectorised for dense networks, else DL4J's backward pass
 * per example), adds Gaussian noise of stddev sigma * C to the sum, and
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
    return train(MlpClassifier.networkOf(start, data), start, data, p, sampler, noise, canaries, skipNoiseForTest);
  }

  /**
   * As {@link #train(TensorBundle, EncodedData, DpSgdParams, PoissonSampler, GaussianNoise)} for the job's
   * network {@code model}, audited when {@code audit} is not null.
   *
   * @throws IllegalArgumentException also when the network has a layer DP cannot clip exactly
   *     ({@link TabularNetwork#checkPrivate})
   */
  public static TrainResult train(TabularNetwork model, TensorBundle start, EncodedData data, DpSgdParams p,
      PoissonSampler sampler, GaussianNoise noise, JobAudit audit, int round) {
    return train(model, start, data, null, p, sampler, noise, audit, round, null);
  }

  /** With privacy units (issue 19 #2) and no class weights; see the next overload. */
  public static TrainResult train(TabularNetwork model, TensorBundle start, EncodedData data, UnitGroups units,
      DpSgdParams p, PoissonSampler sampler, GaussianNoise noise, JobAudit audit, int round) {
    return train(model, start, data, units, p, sampler, noise, audit, round, null);
  }

  /**
   * Issue 19 #2: with privacy units when {@code units} is not null: each step Poisson-samples units (each with
   * probability q), sums each sampled unit's row gradients, clips that sum to C
   * ({@link PerExampleGradients#unitClippedSum}) and divides the noisy total by the expected number of units,
   * q x units.
   *
   * <p>With class weights (issue 23 #3): each example's loss is multiplied by its class's weight before its gradient
   * is clipped, so the sensitivity stays C (a weighted gradient longer than C is clipped like any other). The
   * weights must not depend on the data (explicit ones, not "balanced"), or they would leak class counts. Not with
   * units (a unit's rows may hold several classes).
   *
   * @param classWeights one per class, or null for all 1
   */
  public static TrainResult train(TabularNetwork model, TensorBundle start, EncodedData data, UnitGroups units,
      DpSgdParams p, PoissonSampler sampler, GaussianNoise noise, JobAudit audit, int round, double[] classWeights) {
    return train(model, start, data, units, p, sampler, noise, audit == null ? null : audit.forRound(round, p.steps()),
        audit != null && audit.skipNoiseForTest(), classWeights);
  }

  static TrainResult train(TabularNetwork model, TensorBundle start, EncodedData data, DpSgdParams p,
      PoissonSampler sampler, GaussianNoise noise, GradientCanaries canaries, boolean skipNoiseForTest) {
    return train(model, start, data, null, p, sampler, noise, canaries, skipNoiseForTest, null);
  }

  static TrainResult train(TabularNetwork model, TensorBundle start, EncodedData data, UnitGroups units,
      DpSgdParams p, PoissonSampler sampler, GaussianNoise noise, GradientCanaries canaries,
      boolean skipNoiseForTest, double[] classWeights) {
    if (units != null && classWeights != null) {
      throw new IllegalArgumentException("class weights with privacy units are not supported");
    }
    model.checkPrivate();
    NetworkTraining.requireFits(model, data);
    MultiLayerNetwork net = model.network(start);
    DataType type = net.params().dataType();
    FlatAdam adam = p.optimizer() == DpSgdParams.Optimizer.ADAM ? new FlatAdam(net.params(), p.learningRate()) : null;
    int n = data.size();
    // The population sampled: rows, or under privacy units the units (issue 19 #2).
    int population = units == null ? n : units.count();
    double expectedBatch = p.samplingRate() * population;
    double stddev = p.noiseMultiplier() * p.clipNorm();
    double lossSum = 0;
    long drawn = 0;
    for (long step = 0; step < p.steps(); step++) {
      int[] batch = sampler.sample(population, p.samplingRate());
      float[] flat;
      if (batch.length == 0) {
        flat = new float[model.parameterCount()];
      } else {
        double[] weights = null;
        if (classWeights != null) {
          weights = new double[batch.length];
          for (int i = 0; i < batch.length; i++) {
            weights[i] = classWeights[data.labels()[batch[i]]];
          }
        }
        PerExampleGradients.ClippedSum c = units != null
            ? PerExampleGradients.unitClippedSum(model, net, data, units, batch, p.clipNorm())
            : PerExampleGradients.clippedSum(model, net,
                NetworkBatches.features(data, batch, type), NetworkBatches.labels(data, batch, type), p.clipNorm(),
                weights);
        lossSum += c.lossSum();
        if (units == null) {
          drawn += batch.length;
        } else {
          for (int u : batch) {
            drawn += units.rows(u).length;
          }
        }
        flat = c.sum();
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
      INDArray mean = Nd4j.create(flat, net.params().shape(), DataType.FLOAT).castTo(type).divi(expectedBatch);
      if (adam != null) {
        adam.step(net.params(), mean);
      } else {
        net.params().subi(mean.muli(p.learningRate()));
      }
    }
    TensorBundle out = model.toBundle(TabularNetwork.toFloats(net.params()));
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
}
