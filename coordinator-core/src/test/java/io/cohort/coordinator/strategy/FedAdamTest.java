package io.cohort.coordinator.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.store.ServerStateFiles;
import io.cohort.proto.v1.AggregationStrategy;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.StrategySpec;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FedAdamTest {
  private static final FedAdam.Settings KAT = new FedAdam.Settings(0.1, 0.9, 0.99, 1e-3);

  /** Keeps the state in memory, as a store that never crashes. */
  static final class MemoryState implements ServerStateStore {
    final Map<String, TensorBundle> saved = new HashMap<>();

    @Override
    public Optional<TensorBundle> load(String jobId, int round) {
      return Optional.ofNullable(saved.get(jobId + "/" + round));
    }

    @Override
    public void save(String jobId, int round, TensorBundle state) {
      saved.put(jobId + "/" + round, state);
    }
  }

  private static TensorBundle vector(float... x) {
    return new TensorBundle(List.of(new Tensor("x", new long[] {x.length}, x)));
  }

  private static float[] x(TensorBundle b) {
    return b.get("x").values();
  }

  @Test
  void twoStepsOnKnownVectors_matchTheHandComputedAdamUpdate() {
    // d = [0.25, 0.75], eta 0.1, beta1 0.9, beta2 0.99, tau 1e-3, m0 = v0 = 0:
    // step 1: m = 0.1 d = [0.025, 0.075], v = 0.01 d^2 = [0.000625, 0.005625], sqrt(v) = [0.025, 0.075]
    //   x1 = [1 + 0.1 * 0.025 / 0.026, -2 + 0.1 * 0.075 / 0.076] = [1.0961538, -1.9013158]
    // step 2 (same d): m = [0.0475, 0.1425], v = [0.00124375, 0.01119375]
    //   x2 = x1 + 0.1 m / (sqrt(v) + 1e-3) = [1.2271276, -1.7678895]
    MemoryState state = new MemoryState();
    FedAdam adam = new FedAdam("job-1", KAT, state);
    double[] d = {0.25, 0.75};
    TensorBundle x1 = adam.applyMeanDelta(1, vector(1f, -2f), c -> d[c]);
    assertThat(x(x1)[0]).isCloseTo(1.0961538f, within(1e-6f));
    assertThat(x(x1)[1]).isCloseTo(-1.9013158f, within(1e-6f));
    TensorBundle x2 = adam.applyMeanDelta(2, x1, c -> d[c]);
    assertThat(x(x2)[0]).isCloseTo(1.2271276f, within(1e-6f));
    assertThat(x(x2)[1]).isCloseTo(-1.7678895f, within(1e-6f));
    assertThat(state.saved.get("job-1/2").get("m/x").values()[0]).isCloseTo(0.0475f, within(1e-7f));
    assertThat(state.saved.get("job-1/2").get("v/x").values()[1]).isCloseTo(0.01119375f, within(1e-8f));
  }

  @Test
  void plaintextUpdates_stepOnTheExampleWeightedMeanDelta() {
    // locals [2, -2] (1 example) and [1, -1] (3 examples) around global [1, -2]: mean delta [0.25, 0.75]
    FedAdam adam = new FedAdam("job-1", KAT, new MemoryState());
    TensorBundle next = adam.aggregate(1, Optional.of(vector(1f, -2f)), List.of(
        new ClientUpdate("a", 1, vector(2f, -2f)), new ClientUpdate("b", 3, vector(1f, -1f))));
    assertThat(x(next)[0]).isCloseTo(1.0961538f, within(1e-6f));
    assertThat(x(next)[1]).isCloseTo(-1.9013158f, within(1e-6f));
  }

  @Test
  void plaintextRoundOneWithoutAGlobalModel_isFedAvgAndLeavesZeroMoments() {
    MemoryState state = new MemoryState();
    FedAdam adam = new FedAdam("job-1", KAT, state);
    List<ClientUpdate> updates = List.of(new ClientUpdate("a", 1, vector(2f, -2f)),
        new ClientUpdate("b", 3, vector(1f, -1f)));
    TensorBundle first = adam.aggregate(1, Optional.empty(), updates);
    assertThat(first).isEqualTo(new FedAvg().aggregate(Optional.empty(), updates));
    assertThat(state.saved.get("job-1/1").get("m/x").values()).containsExactly(0f, 0f);
    assertThat(state.saved.get("job-1/1").get("v/x").values()).containsExactly(0f, 0f);
  }

  @Test
  void missingStateOfAnEarlierRound_failsNamingTheRound() {
    FedAdam adam = new FedAdam("job-1", KAT, new MemoryState());
    assertThatThrownBy(() -> adam.applyMeanDelta(3, vector(1f), c -> 0.1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("round 2");
  }

  @Test
  void restartedCoordinator_continuesFromTheStoredStateBitForBit(@TempDir Path models) {
    long seed = 20260;
    SplittableRandom r = new SplittableRandom(seed);
    float[] init = new float[50];
    for (int i = 0; i < init.length; i++) {
      init[i] = (float) r.nextGaussian();
    }
    double[][] deltas = new double[4][50];
    for (double[] d : deltas) {
      for (int i = 0; i < d.length; i++) {
        d[i] = r.nextGaussian() * 0.1;
      }
    }
    FedAdam.Settings s = new FedAdam.Settings(0.01, 0.9, 0.99, 1e-3);
    FedAdam uninterrupted = new FedAdam("job-u", s, new MemoryState());
    TensorBundle a = vector(init);
    for (int round = 1; round <= 4; round++) {
      double[] d = deltas[round - 1];
      a = uninterrupted.applyMeanDelta(round, a, c -> d[c]);
    }
    TensorBundle b = vector(init);
    for (int round = 1; round <= 4; round++) {
      // a new coordinator process (strategy and store objects) every round
      FedAdam fresh = new FedAdam("job-r", s, new ServerStateFiles(models, 1 << 20));
      double[] d = deltas[round - 1];
      b = fresh.applyMeanDelta(round, b, c -> d[c]);
    }
    assertThat(x(b)).as("seed %d", seed).containsExactly(x(a));
  }

  @Test
  void factory_picksTheStrategyFromTheJobSpec() {
    StrategyFactory f = new StrategyFactory(new MemoryState());
    assertThat(f.forJob(JobSpec.newBuilder().setJobId("j").build())).isInstanceOf(FedAvg.class);
    Strategy adam = f.forJob(JobSpec.newBuilder().setJobId("j").setStrategy(StrategySpec.newBuilder()
        .setKind(AggregationStrategy.AGGREGATION_STRATEGY_FEDADAM).setBeta1(0.5)).build());
    assertThat(adam).isInstanceOf(FedAdam.class);
    assertThat(((FedAdam) adam).settings()).isEqualTo(new FedAdam.Settings(0.01, 0.5, 0.99, 1e-3));
    assertThatThrownBy(() -> new FedAdam.Settings(0.01, 1.0, 0.99, 1e-3)).hasMessageContaining("beta1");
  }

  @Test
  void fedAvgUnderSecureAggregation_addsTheMeanDeltaToTheGlobalModel() {
    TensorBundle next = new FedAvg().applyMeanDelta(1, vector(1f, -2f), c -> c == 0 ? 0.25 : 0.75);
    assertThat(x(next)).containsExactly(1.25f, -1.25f);
  }
}
