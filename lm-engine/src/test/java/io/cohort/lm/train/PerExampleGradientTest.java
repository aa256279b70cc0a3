package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Parameter;
import io.cohort.crypto.dp.GaussianNoise;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Per-example gradients (DP-SGD) against the batch gradient, and per-example clipping. */
class PerExampleGradientTest {
  private static final long SEED = 4242L;

  @Test
  void perExampleClassificationGradientsSumToTheBatchGradient() {
    Gpt2Model model = TinyModels.model(SEED);
    TinyModels.lora(model, SEED, false, 0f);
    Objective task = new SequenceClassification(TinyModels.SHAPE.width(), 2, Pooling.MEAN, new SplittableRandom(SEED));
    Batch batch = TinyModels.batch(SEED, 5, 9);
    // The batch loss is the mean of the examples' losses, so the batch gradient is the mean of theirs.
    assertSumsToBatch(new Trainer(model, task, 0), batch, batch.batch());
  }

  @Test
  void perExampleLanguageModelGradientsSumToTheBatchGradient() {
    Gpt2Model model = TinyModels.model(SEED + 1);
    TinyModels.lora(model, SEED + 1, true, 0f);
    SplittableRandom r = new SplittableRandom(SEED);
    int[][] seqs = new int[4][7];
    for (int[] s : seqs) {
      for (int j = 0; j < s.length; j++) {
        s[j] = r.nextInt(TinyModels.SHAPE.vocabSize());
      }
    }
    // Equal lengths: the mean over all tokens is the mean of the examples' per-token means.
    assertSumsToBatch(new Trainer(model, new CausalLm(model), 0), Batch.of(seqs, null, 0), seqs.length);
  }

  private static void assertSumsToBatch(Trainer trainer, Batch batch, int divisor) {
    List<Parameter> params = trainer.parameters();
    trainer.forwardBackward(batch, params, false, null);
    List<float[]> batchGrads = params.stream().map(p -> p.grad().clone()).toList();
    trainer.forwardBackward(batch, params, true, null);
    for (int k = 0; k < params.size(); k++) {
      Parameter p = params.get(k);
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < p.size(); i++) {
        double sum = 0;
        for (int e = 0; e < batch.batch(); e++) {
          sum += p.perExampleGrad()[e * p.size() + i];
        }
        double d = sum / divisor - batchGrads.get(k)[i];
        diff += d * d;
        norm += (double) batchGrads.get(k)[i] * batchGrads.get(k)[i];
      }
      assertThat(norm).as("%s has a non-zero gradient", p.name()).isGreaterThan(0);
      assertThat(Math.sqrt(diff / norm)).as("%s: |sum of per-example - batch| / |batch| (seed %d)", p.name(), SEED)
          .isLessThan(1e-5);
    }
  }

  @Test
  void clippingBoundsEveryExampleNormAndLeavesSmallOnesAlone() {
    Gpt2Model model = TinyModels.model(SEED + 2);
    TinyModels.lora(model, SEED + 2, false, 0f);
    Objective task = new SequenceClassification(TinyModels.SHAPE.width(), 2, Pooling.MEAN, new SplittableRandom(SEED));
    Trainer trainer = new Trainer(model, task, 0);
    Batch batch = TinyModels.batch(SEED + 2, 6, 8);
    List<Parameter> params = trainer.parameters();
    trainer.forwardBackward(batch, params, true, null);
    double[] before = PerExampleClipping.norms(params, batch.batch());
    double clip = median(before);
    PerExampleClipping.clipInPlace(params, batch.batch(), clip);
    double[] after = PerExampleClipping.norms(params, batch.batch());
    for (int i = 0; i < after.length; i++) {
      assertThat(after[i]).as("example %d norm after clipping to %f (seed %d)", i, clip, SEED)
          .isLessThanOrEqualTo(clip * (1 + 1e-6));
      if (before[i] < clip) {
        assertThat(after[i]).isCloseTo(before[i], org.assertj.core.api.Assertions.within(before[i] * 1e-6));
      }
    }
  }

  @Test
  void privateGradientIsTheClippedSumPlusFreshNoiseOverTheExpectedBatch() {
    Gpt2Model model = TinyModels.model(SEED + 3);
    TinyModels.lora(model, SEED + 3, true, 0f);
    Objective task = new SequenceClassification(TinyModels.SHAPE.width(), 2, Pooling.MEAN, new SplittableRandom(SEED));
    Trainer trainer = new Trainer(model, task, 0);
    Batch batch = TinyModels.batch(SEED + 3, 4, 6);
    List<Parameter> params = trainer.parameters();
    double clip = 1e-3;
    trainer.forwardBackward(batch, params, true, null);
    new DpSgd(0, clip, GaussianNoise.create()).privatize(params, batch.batch(), 8.0);
    double norm = 0;
    for (Parameter p : params) {
      for (float g : p.grad()) {
        norm += g * g;
      }
    }
    // Every example is clipped to 1e-3, so the noiseless sum over 4 is at most 4e-3, divided by 8.
    assertThat(Math.sqrt(norm)).isLessThanOrEqualTo(4 * clip / 8 * (1 + 1e-5)).isGreaterThan(0);
    float[][] noisy = new float[2][];
    for (int run = 0; run < 2; run++) {
      trainer.forwardBackward(batch, params, true, null);
      new DpSgd(1.0, clip, GaussianNoise.create()).privatize(params, batch.batch(), 8.0);
      noisy[run] = concat(params);
    }
    assertThat(noisy[0]).as("noise differs between steps").isNotEqualTo(noisy[1]);
    double sq = 0;
    for (int i = 0; i < noisy[0].length; i++) {
      double d = noisy[0][i] - noisy[1][i];
      sq += d * d;
    }
    // The difference of two draws has per-coordinate std sqrt(2) * sigma * C / 8.
    double std = Math.sqrt(sq / noisy[0].length) / Math.sqrt(2);
    assertThat(std).isBetween(0.9 * clip / 8, 1.1 * clip / 8);
  }

  private static float[] concat(List<Parameter> params) {
    int n = params.stream().mapToInt(Parameter::size).sum();
    float[] out = new float[n];
    int o = 0;
    for (Parameter p : params) {
      System.arraycopy(p.grad(), 0, out, o, p.size());
      o += p.size();
    }
    return out;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }
}
