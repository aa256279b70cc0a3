package io.cohort.client.experiments;

import io.cohort.client.job.LocalTrainer;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.tabular.DpSgdParams;
import io.cohort.crypto.dp.distributed.DistributedDpDecoder;
import io.cohort.crypto.dp.distributed.DistributedDpEncoder;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The three ways issue 19 compares DP training, over any {@link LocalTrainer} (tabular or text), in
 * one process with the platform's own classes: central DP-SGD on pooled data, today's local-DP
 * federation (each node's full noise, FedAvg), and distributed DP-SGD (one step over the union per
 * round, discrete Gaussian shares, the words summed mod 2^32 as SecAgg's unmasked sum is, decoded,
 * Adam on the server). Used by {@link DistributedDpComparison} and the text comparison.
 */
public final class DpArms {
  private DpArms() {}

  /** Central DP-SGD: {@code plan.stepsPerRound()} steps on {@code pooled}'s training data, from {@code init}. */
  public static TensorBundle central(LocalTrainer pooled, io.cohort.proto.v1.JobSpec spec, TensorBundle init,
      DpPlan plan) throws Exception {
    return pooled.trainPrivately(spec, 1, Optional.of(init), plan).parameters();
  }

  /**
   * Local-DP federation: {@code steps / localSteps} rounds of {@code localSteps} DP-Adam steps on each
   * node at (q, sigma, C), averaged by the nodes' example counts {@code rows} (no SecAgg quantisation).
   */
  public static TensorBundle local(List<? extends LocalTrainer> nodes, long[] rows, io.cohort.proto.v1.JobSpec spec,
      TensorBundle init, double q, double sigma, double clip, int steps, int localSteps) throws Exception {
    int rounds = steps / localSteps;
    DpPlan plan = new DpPlan(q, sigma, clip, localSteps, rounds, DpSgdParams.Optimizer.ADAM);
    TensorBundle global = init;
    for (int round = 1; round <= rounds; round++) {
      double[] acc = new double[flat(global).length];
      long weight = 0;
      for (int i = 0; i < nodes.size(); i++) {
        float[] p = flat(nodes.get(i).trainPrivately(spec, round, Optional.of(global), plan).parameters());
        for (int j = 0; j < acc.length; j++) {
          acc[j] += rows[i] * (double) p[j];
        }
        weight += rows[i];
      }
      float[] mean = new float[acc.length];
      for (int j = 0; j < acc.length; j++) {
        mean[j] = (float) (acc[j] / weight);
      }
      global = unflat(global, mean);
    }
    return global;
  }

  /**
   * Distributed DP-SGD: {@code steps} rounds; in each, every node's clipped per-unit gradients at the
   * global model are encoded with its discrete Gaussian share (shares for all the nodes), the words
   * summed in Z_2^32, decoded to the noisy average, and the server takes one bias-corrected Adam step
   * (betas 0.9 / 0.999, eps 1e-8: the nodes' DP-Adam) at rate {@code lr}.
   */
  public static TensorBundle distributed(List<? extends LocalTrainer> nodes, io.cohort.proto.v1.JobSpec spec,
      TensorBundle init, DistributedDpParameters codec, double q, int steps, double lr) throws Exception {
    SecureRandom seeds = new SecureRandom();
    TensorBundle global = init;
    float[] x = flat(init);
    double[] m = new double[x.length];
    double[] v = new double[x.length];
    for (int step = 1; step <= steps; step++) {
      byte[] seed = new byte[32];
      seeds.nextBytes(seed);
      int[] sum = new int[codec.paddedDimension()];
      for (LocalTrainer node : nodes) {
        DistributedDpEncoder e = DistributedDpEncoder.begin(codec, seed, nodes.size());
        for (float[] g : node.clippedUnitGradients(spec, global, q, codec.clipNorm())) {
          e.addUnit(g);
        }
        int[] w = e.finish();
        for (int j = 0; j < sum.length; j++) {
          sum[j] += w[j]; // Z_2^32: Java int overflow is the ring's addition
        }
      }
      double[] g = DistributedDpDecoder.noisyAverage(codec, seed, sum);
      double c1 = 1 - Math.pow(0.9, step);
      double c2 = 1 - Math.pow(0.999, step);
      for (int j = 0; j < x.length; j++) {
        m[j] = 0.9 * m[j] + 0.1 * g[j];
        v[j] = 0.999 * v[j] + 0.001 * g[j] * g[j];
        x[j] -= (float) (lr * (m[j] / c1) / (Math.sqrt(v[j] / c2) + 1e-8));
      }
      global = unflat(init, x.clone());
      if (step % 25 == 0) {
        System.out.println("  distributed: step " + step + " of " + steps);
      }
    }
    return global;
  }

  public static float[] flat(TensorBundle b) {
    int n = b.tensors().stream().mapToInt(t -> t.values().length).sum();
    float[] out = new float[n];
    int at = 0;
    for (Tensor t : b.tensors()) {
      System.arraycopy(t.values(), 0, out, at, t.values().length);
      at += t.values().length;
    }
    return out;
  }

  public static TensorBundle unflat(TensorBundle layout, float[] values) {
    List<Tensor> out = new ArrayList<>();
    int at = 0;
    for (Tensor t : layout.tensors()) {
      float[] v = new float[t.values().length];
      System.arraycopy(values, at, v, 0, v.length);
      at += v.length;
      out.add(new Tensor(t.name(), t.shape().clone(), v));
    }
    return new TensorBundle(out);
  }
}
