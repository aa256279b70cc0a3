package io.cohort.coordinator.strategy;

import io.cohort.proto.v1.StrategySpec;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * FedAdam (Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2 with Adam): the
 * example-weighted mean of the nodes' deltas {@code local - global} is a pseudo-gradient
 * {@code d}; the server keeps Adam's moments and steps
 * <pre>
 *   m = beta1 m + (1 - beta1) d
 *   v = beta2 v + (1 - beta2) d^2
 *   x = x + eta m / (sqrt(v) + tau)
 * </pre>
 * without bias correction, as in the paper (Flower's later version adds one; we follow the paper
 * so the step is what the job file's parameters say). Works the same under secure aggregation,
 * where the coordinator only learns the mean delta.
 *
 * <p>State: m and v after round r are saved as one bundle ({@code m/<tensor>}, {@code v/<tensor>},
 * float32) in the {@link ServerStateStore} before the round's model is recorded, and every round
 * reads the state of the round before from the store, so a restarted coordinator continues with
 * exactly the state an uninterrupted one would have. Plaintext round 1 has no global model to
 * take deltas from: it is plain FedAvg and leaves zero moments.
 */
public final class FedAdam implements Strategy {
  private static final String M = "m/";
  private static final String V = "v/";

  private final String jobId;
  private final Settings settings;
  private final ServerStateStore store;
  private final FedAvg fedAvg = new FedAvg();

  /** The server optimiser's hyper-parameters, with the job file's defaults for zeros. */
  public record Settings(double eta, double beta1, double beta2, double tau) {
    public static final double DEFAULT_ETA = 0.01;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.99;
    public static final double DEFAULT_TAU = 1e-3;

    public Settings {
      if (!(eta > 0) || Double.isInfinite(eta)) {
        throw new IllegalArgumentException("strategy.server_learning_rate must be a finite number > 0, got " + eta);
      }
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("strategy.beta1 must be in [0, 1), got " + beta1);
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("strategy.beta2 must be in [0, 1), got " + beta2);
      }
      if (!(tau > 0) || Double.isInfinite(tau)) {
        throw new IllegalArgumentException("strategy.tau must be a finite number > 0, got " + tau);
      }
    }

    /** From the job's strategy block; an unset (zero) field takes its default. */
    public static Settings of(StrategySpec s) {
      return new Settings(orDefault(s.getServerLearningRate(), DEFAULT_ETA), orDefault(s.getBeta1(), DEFAULT_BETA1),
          orDefault(s.getBeta2(), DEFAULT_BETA2), orDefault(s.getTau(), DEFAULT_TAU));
    }

    private static double orDefault(double v, double d) {
      return v == 0 ? d : v;
    }
  }

  public FedAdam(String jobId, Settings settings, ServerStateStore store) {
    this.jobId = jobId;
    this.settings = settings;
    this.store = store;
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public TensorBundle aggregate(int round, Optional<TensorBundle> current, List<ClientUpdate> updates) {
    TensorBundle mean = fedAvg.aggregate(current, updates);
    if (current.isEmpty()) {
      store.save(jobId, round, zeroState(mean));
      return mean;
    }
    TensorBundle global = current.get();
    // The weighted mean delta is (weighted mean of locals) - global; FedAvg's mean is rounded to
    // float once, so recompute it in double here for the pseudo-gradient.
    double total = 0;
    for (ClientUpdate u : updates) {
      total += u.numExamples();
    }
    long coordinates = 0;
    for (Tensor t : global.tensors()) {
      coordinates += t.size();
    }
    if (coordinates > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("FedAdam: a plaintext model of " + coordinates + " coordinates is too large");
    }
    double[] delta = new double[(int) coordinates];
    int at = 0;
    for (Tensor t : global.tensors()) {
      float[] g = t.values();
      for (ClientUpdate u : updates) {
        double w = u.numExamples() / total;
        float[] local = u.parameters().get(t.name()).values();
        for (int i = 0; i < g.length; i++) {
          delta[at + i] += w * ((double) local[i] - g[i]);
        }
      }
      at += g.length;
    }
    return step(round, global, c -> delta[c]);
  }

  @Override
  public TensorBundle applyMeanDelta(int round, TensorBundle global, MeanDelta meanDelta) {
    return step(round, global, meanDelta);
  }

  private TensorBundle step(int round, TensorBundle global, MeanDelta d) {
    TensorBundle state = previousState(round, global);
    List<Tensor> next = new ArrayList<>();
    List<Tensor> ms = new ArrayList<>();
    List<Tensor> vs = new ArrayList<>();
    int at = 0;
    for (Tensor t : global.tensors()) {
      float[] m = state.get(M + t.name()).values().clone();
      float[] v = state.get(V + t.name()).values().clone();
      float[] x = t.values().clone();
      for (int i = 0; i < x.length; i++) {
        double g = d.at(at++);
        double mi = settings.beta1() * m[i] + (1 - settings.beta1()) * g;
        double vi = settings.beta2() * v[i] + (1 - settings.beta2()) * g * g;
        m[i] = (float) mi;
        v[i] = (float) vi;
        x[i] = (float) (x[i] + settings.eta() * mi / (Math.sqrt(vi) + settings.tau()));
      }
      next.add(new Tensor(t.name(), t.shape().clone(), x));
      ms.add(new Tensor(M + t.name(), t.shape().clone(), m));
      vs.add(new Tensor(V + t.name(), t.shape().clone(), v));
    }
    ms.addAll(vs);
    store.save(jobId, round, new TensorBundle(ms));
    return new TensorBundle(next);
  }

  /** The moments after round - 1: zeros before the first step, otherwise what that round saved. */
  private TensorBundle previousState(int round, TensorBundle global) {
    Optional<TensorBundle> saved = store.load(jobId, round - 1);
    if (saved.isEmpty()) {
      if (round - 1 >= 1) {
        throw new IllegalStateException("job " + jobId + ": FedAdam's server state of round " + (round - 1)
            + " is missing from the model store; it is written with every round and cannot be recomputed");
      }
      return zeroState(global);
    }
    TensorBundle s = saved.get();
    for (Tensor t : global.tensors()) {
      if (!s.contains(M + t.name()) || !s.contains(V + t.name())
          || !java.util.Arrays.equals(s.get(M + t.name()).shape(), t.shape())
          || !java.util.Arrays.equals(s.get(V + t.name()).shape(), t.shape())) {
        throw new IllegalStateException("job " + jobId + ": FedAdam's server state of round " + (round - 1)
            + " does not match the global model's tensor " + t.name());
      }
    }
    return s;
  }

  private static TensorBundle zeroState(TensorBundle layout) {
    List<Tensor> out = new ArrayList<>();
    for (String prefix : List.of(M, V)) {
      for (Tensor t : layout.tensors()) {
        out.add(new Tensor(prefix + t.name(), t.shape().clone(), new float[t.size()]));
      }
    }
    return new TensorBundle(out);
  }

  @Override
  public String name() {
    return "fedadam";
  }
}
