package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Parameter;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Class weights of sequence classification (issue 23 #3): an example's weighted gradient is its label's
 * weight times the unweighted one, on the plain (batch mean) and the DP-SGD (per example, before clipping)
 * paths, and clipping still bounds every weighted example by C.
 */
class ClassWeightGradientTest {
  private static final long SEED = 0x23_0003_7L;
  private static final double[] WEIGHTS = {0.5, 6.0};
  private static final int[] LABELS = {0, 1, 1, 0, 1};

  private record Setup(Trainer trainer, SequenceClassification head, Batch batch) {}

  private static Setup setup(long seed) {
    Gpt2Model model = TinyModels.model(seed);
    TinyModels.lora(model, seed, false, 0f);
    SequenceClassification head = new SequenceClassification(TinyModels.SHAPE.width(), 2, Pooling.MEAN,
        new SplittableRandom(seed));
    Batch b = TinyModels.batch(seed, LABELS.length, 9);
    Batch batch = new Batch(b.ids(), b.lengths(), LABELS.clone(), b.batch(), b.seqLen());
    return new Setup(new Trainer(model, head, 0), head, batch);
  }

  @Test
  void perExampleGradient_isTheWeightTimesTheUnweightedOne() {
    Setup s = setup(SEED);
    List<Parameter> params = s.trainer().parameters();
    s.trainer().forwardBackward(s.batch(), params, true, null);
    List<float[]> plain = params.stream().map(p -> p.perExampleGrad().clone()).toList();
    s.head().setClassWeights(WEIGHTS);
    s.trainer().forwardBackward(s.batch(), params, true, null);
    for (int k = 0; k < params.size(); k++) {
      Parameter p = params.get(k);
      double norm = 0;
      for (int e = 0; e < LABELS.length; e++) {
        double w = WEIGHTS[LABELS[e]];
        for (int i = 0; i < p.size(); i++) {
          int at = e * p.size() + i;
          double want = w * plain.get(k)[at];
          norm += want * want;
          assertThat((double) p.perExampleGrad()[at]).as("%s example %d coordinate %d (seed %d)", p.name(), e, i, SEED)
              .isCloseTo(want, within(1e-5 * Math.max(1, Math.abs(want))));
        }
      }
      assertThat(norm).as("%s has a non-zero gradient (seed %d)", p.name(), SEED).isGreaterThan(0);
    }
  }

  @Test
  void batchGradientAndLoss_areTheWeightedSumOverTheBatchSize() {
    Setup s = setup(SEED + 1);
    List<Parameter> params = s.trainer().parameters();
    s.trainer().forwardBackward(s.batch(), params, true, null);
    List<float[]> perExample = params.stream().map(p -> p.perExampleGrad().clone()).toList();
    double[] losses = new double[LABELS.length];
    for (int e = 0; e < LABELS.length; e++) {
      Batch one = single(s.batch(), e);
      losses[e] = s.trainer().forwardBackward(one, params, false, null);
    }
    s.head().setClassWeights(WEIGHTS);
    double loss = s.trainer().forwardBackward(s.batch(), params, false, null);
    double wantLoss = 0;
    for (int e = 0; e < LABELS.length; e++) {
      wantLoss += WEIGHTS[LABELS[e]] * losses[e];
    }
    assertThat(loss).as("weighted batch loss (seed %d)", SEED + 1).isCloseTo(wantLoss / LABELS.length, within(1e-5));
    for (int k = 0; k < params.size(); k++) {
      Parameter p = params.get(k);
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < p.size(); i++) {
        double want = 0;
        for (int e = 0; e < LABELS.length; e++) {
          want += WEIGHTS[LABELS[e]] * perExample.get(k)[e * p.size() + i];
        }
        want /= LABELS.length;
        diff += (want - p.grad()[i]) * (want - p.grad()[i]);
        norm += want * want;
      }
      assertThat(norm).isGreaterThan(0);
      assertThat(Math.sqrt(diff / norm)).as("%s: |batch - weighted mean of per-example| / |..| (seed %d)", p.name(),
          SEED + 1).isLessThan(1e-5);
    }
  }

  @Test
  void dpSgd_clipsTheWeightedGradient_soEveryExampleStaysWithinC() {
    Setup s = setup(SEED + 2);
    List<Parameter> params = s.trainer().parameters();
    s.head().setClassWeights(WEIGHTS);
    s.trainer().forwardBackward(s.batch(), params, true, null);
    double[] norms = PerExampleClipping.norms(params, LABELS.length);
    List<float[]> weighted = params.stream().map(p -> p.perExampleGrad().clone()).toList();
    double clip = median(norms);
    // Noise-free DP-SGD step: the private gradient is then exactly sum_e clip(w_e g_e) / expected batch.
    new DpSgd(0, clip, GaussianNoise.create()).privatize(params, LABELS.length, 4.0);
    for (int k = 0; k < params.size(); k++) {
      Parameter p = params.get(k);
      for (int i = 0; i < p.size(); i++) {
        double want = 0;
        for (int e = 0; e < LABELS.length; e++) {
          want += weighted.get(k)[e * p.size() + i] * Math.min(1.0, clip / norms[e]);
        }
        assertThat((double) p.grad()[i]).as("%s coordinate %d (seed %d)", p.name(), i, SEED + 2)
            .isCloseTo(want / 4.0, within(1e-6 + 1e-5 * Math.abs(want)));
      }
    }
    // Sensitivity: one example alone, however heavily weighted, moves the clipped sum by at most C.
    s.head().setClassWeights(new double[] {1.0, 1e4});
    for (int e = 0; e < LABELS.length; e++) {
      s.trainer().forwardBackward(single(s.batch(), e), params, true, null);
      new DpSgd(0, clip, GaussianNoise.create()).privatize(params, 1, 1.0);
      double n2 = 0;
      for (Parameter p : params) {
        for (float g : p.grad()) {
          n2 += (double) g * g;
        }
      }
      assertThat(Math.sqrt(n2)).as("example %d (seed %d)", e, SEED + 2).isLessThanOrEqualTo(clip * (1 + 1e-5));
    }
  }

  @Test
  void weightsMustBeOnePositiveNumberPerLabel() {
    SequenceClassification head = new SequenceClassification(8, 2, Pooling.MEAN, new SplittableRandom(1));
    assertThatThrownBy(() -> head.setClassWeights(new double[] {1})).hasMessage("class weights: 1 given for 2 labels");
    assertThatThrownBy(() -> head.setClassWeights(new double[] {1, 0}))
        .hasMessage("class weight of label 1 is 0.0; expected a finite number > 0");
    head.setClassWeights(new double[] {1, 3});
    assertThat(head.classWeights()).containsExactly(1.0, 3.0);
    head.setClassWeights(null);
    assertThat(head.classWeights()).isNull();
  }

  private static Batch single(Batch b, int e) {
    int t = b.seqLen();
    int[] ids = java.util.Arrays.copyOfRange(b.ids(), e * t, (e + 1) * t);
    return new Batch(ids, new int[] {b.lengths()[e]}, new int[] {b.labels()[e]}, 1, t);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }
}
