package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.train.Batch;
import io.cohort.lm.train.CausalLm;
import io.cohort.lm.train.Objective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Llama family's hand-written backward passes against central finite differences: each kernel
 * on its own (RMSNorm, RoPE, SwiGLU through the model) and the whole model with LoRA on every linear
 * layer, so adapter gradients flow through RMSNorm, RoPE (plain and llama3-scaled), GQA/MQA
 * attention, q/k/v bias, Qwen3's q/k norm and SwiGLU.
 */
class LlamaGradientCheckTest {
  private static final long SEED = 20261206L;
  static final int VOCAB = 37;

  static LlamaConfig config(String type, int hidden, int heads, int kv, int headDim, boolean qkvBias, boolean qkNorm,
      boolean tied, LlamaConfig.RopeScaling scaling) {
    return new LlamaConfig(type, List.of(), VOCAB, hidden, 24, 2, heads, kv, headDim, 1e-5, 10000.0, scaling,
        qkvBias, false, qkNorm, tied, 64, 0, 0, 1);
  }

  static LlamaModel randomModel(LlamaConfig c, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, float[]> t = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : LlamaCheckpoint.expectedShapes(c).entrySet()) {
      int n = 1;
      for (int d : e.getValue()) {
        n *= d;
      }
      boolean norm = e.getKey().endsWith("norm.weight");
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = norm ? 1f + (float) gaussian(rnd) * 0.1f : (float) gaussian(rnd) * (e.getKey().contains("embed") ? 0.5f
            : 0.3f);
      }
      t.put(e.getKey(), v);
    }
    return LlamaModel.fromTensors(c, t);
  }

  static double gaussian(SplittableRandom rnd) {
    return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }

  /** LoRA on all seven projections of every layer, B non-zero so that A's gradient is too. */
  static LoraModel loraAllLinear(LanguageModel model, long seed) {
    return lora(model, 2, p -> true, seed);
  }

  /** LoRA of rank r (alpha 2r) on the projections {@code adapted} accepts, B non-zero. */
  static LoraModel lora(LanguageModel model, int r, java.util.function.Predicate<String> adapted, long seed) {
    LoraConfig cfg = new LoraConfig(r, 2f * r, 0f, List.of("all-linear"), false, seed);
    LoraModel lora = LoraModel.attach(model, cfg, adapted);
    SplittableRandom rnd = new SplittableRandom(seed + 1);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (rnd.nextDouble() - 0.5) * 0.5f;
      }
    }
    return lora;
  }

  /**
   * One training step's summed LoRA gradients (next-token loss, no dropout), copied out of the model's
   * adapter parameters, which are zeroed first.
   */
  static float[][] stepGradients(LlamaModel model, Batch batch) {
    List<Parameter> params = model.adapterParameters();
    Pass pass = Pass.training(batch.batch(), batch.seqLen(), false, null);
    params.forEach(Parameter::zeroGrad);
    LanguageModel.ForwardState[] acts = new LanguageModel.ForwardState[1];
    float[] hidden = model.forward(batch.ids(), pass, acts);
    float[] dHidden = new float[hidden.length];
    new CausalLm(model).loss(hidden, batch, pass, dHidden);
    model.backward(acts[0], dHidden);
    float[][] out = new float[params.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = params.get(i).grad().clone();
    }
    return out;
  }

  static Batch batch(long seed, int n, int maxLen) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int[][] seqs = new int[n][];
    for (int i = 0; i < n; i++) {
      seqs[i] = new int[i == 0 ? maxLen : 2 + rnd.nextInt(maxLen - 1)];
      for (int j = 0; j < seqs[i].length; j++) {
        seqs[i][j] = rnd.nextInt(VOCAB);
      }
    }
    return Batch.of(seqs, null, VOCAB - 1);
  }

  @Test
  void llama3GqaWithScaledRopeUntiedHead() {
    LlamaConfig c = config("llama", 16, 4, 2, 4, false, false, false,
        new LlamaConfig.RopeScaling("llama3", 8.0, 1.0, 4.0, 4));
    checkModel(c, SEED);
  }

  @Test
  void qwen2MultiQueryWithQkvBias() {
    checkModel(config("qwen2", 16, 4, 1, 4, true, false, false, null), SEED + 1);
  }

  @Test
  void qwen3QkNormWithWideHeadsTied() {
    checkModel(config("qwen3", 16, 4, 2, 6, false, true, true, null), SEED + 2);
  }

  private static void checkModel(LlamaConfig c, long seed) {
    LlamaModel model = randomModel(c, seed);
    loraAllLinear(model, seed);
    Objective task = new CausalLm(model);
    Batch batch = batch(seed, 3, 7);
    List<Parameter> params = new ArrayList<>(model.adapterParameters());
    assertThat(params).hasSize(2 * 7 * c.numLayers());
    Pass pass = Pass.training(batch.batch(), batch.seqLen(), false, null);
    LanguageModel.ForwardState[] acts = new LanguageModel.ForwardState[1];
    float[] hidden = model.forward(batch.ids(), pass, acts);
    float[] dHidden = new float[hidden.length];
    params.forEach(Parameter::zeroGrad);
    task.loss(hidden, batch, pass, dHidden);
    model.backward(acts[0], dHidden);
    double h = 1e-2;
    for (Parameter p : params) {
      float[] v = p.value();
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < v.length; i++) {
        float keep = v[i];
        v[i] = (float) (keep + h);
        double up = loss(model, task, batch);
        v[i] = (float) (keep - h);
        double down = loss(model, task, batch);
        v[i] = keep;
        double fd = (up - down) / (2 * h);
        diff += (fd - p.grad()[i]) * (fd - p.grad()[i]);
        norm += fd * fd;
      }
      double rel = Math.sqrt(diff / norm);
      assertThat(norm).as("gradient of %s is not all zero (%s, seed %d)", p.name(), c.modelType(), seed)
          .isGreaterThan(1e-12);
      assertThat(rel).as("relative error of %s's gradient (%s, seed %d)", p.name(), c.modelType(), seed)
          .isLessThan(1e-2);
    }
  }

  private static double loss(LanguageModel model, Objective task, Batch batch) {
    Pass pass = Pass.inference(batch.batch(), batch.seqLen());
    return task.loss(model.forward(batch.ids(), pass, null), batch, pass, null);
  }

  @Test
  void rmsNormBackwardMatchesFiniteDifferences() {
    SplittableRandom rnd = new SplittableRandom(SEED + 3);
    int rows = 3;
    int w = 8;
    double[] x = new double[rows * w];
    float[] gamma = new float[w];
    float[] c = new float[rows * w];
    for (int i = 0; i < x.length; i++) {
      x[i] = gaussian(rnd);
      c[i] = (float) gaussian(rnd);
    }
    for (int i = 0; i < w; i++) {
      gamma[i] = 1f + (float) gaussian(rnd) * 0.3f;
    }
    float[] xf = toFloat(x);
    float[] out = new float[x.length];
    float[] rstd = new float[rows];
    LlamaModel.rmsNorm(xf, rows, w, gamma, 1e-5f, out, rstd);
    float[] dx = new float[x.length];
    LlamaModel.rmsNormBackward(c, xf, rows, w, gamma, rstd, dx);
    double h = 1e-3;
    for (int i = 0; i < x.length; i++) {
      double keep = x[i];
      x[i] = keep + h;
      double up = dotRms(x, rows, w, gamma, c);
      x[i] = keep - h;
      double down = dotRms(x, rows, w, gamma, c);
      x[i] = keep;
      assertThat(dx[i]).as("dRMSNorm/dx[%d] (seed %d)", i, SEED + 3).isCloseTo((float) ((up - down) / (2 * h)),
          org.assertj.core.api.Assertions.within(2e-3f));
    }
  }

  /** sum(c * rmsnorm(x)) in double. */
  private static double dotRms(double[] x, int rows, int w, float[] gamma, float[] c) {
    double s = 0;
    for (int r = 0; r < rows; r++) {
      double ss = 0;
      for (int i = 0; i < w; i++) {
        ss += x[r * w + i] * x[r * w + i];
      }
      double rs = 1 / Math.sqrt(ss / w + 1e-5);
      for (int i = 0; i < w; i++) {
        s += c[r * w + i] * gamma[i] * x[r * w + i] * rs;
      }
    }
    return s;
  }

  @Test
  void ropeBackwardIsTheTransposeAndRopeIsARotation() {
    SplittableRandom rnd = new SplittableRandom(SEED + 4);
    int groups = 2;
    int t = 5;
    int hd = 6;
    LlamaConfig c = config("llama", 12, 2, 2, 6, false, false, true,
        new LlamaConfig.RopeScaling("llama3", 8.0, 1.0, 4.0, 2));
    float[] inv = LlamaModel.inverseFrequencies(c);
    float[] cos = new float[t * hd / 2];
    float[] sin = new float[t * hd / 2];
    for (int p = 0; p < t; p++) {
      for (int i = 0; i < hd / 2; i++) {
        cos[p * hd / 2 + i] = (float) Math.cos(p * inv[i]);
        sin[p * hd / 2 + i] = (float) Math.sin(p * inv[i]);
      }
    }
    float[] x = new float[groups * t * hd];
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) gaussian(rnd);
      y[i] = (float) gaussian(rnd);
    }
    float[] rx = x.clone();
    LlamaModel.rope(rx, groups, t, hd, cos, sin, false);
    float[] ry = y.clone();
    LlamaModel.rope(ry, groups, t, hd, cos, sin, true);
    // <R x, y> == <x, R^T y> (the backward pass is the adjoint), and |R x| == |x|.
    assertThat(dot(rx, y)).as("adjoint (seed %d)", SEED + 4).isCloseTo(dot(x, ry),
        org.assertj.core.api.Assertions.within(1e-4));
    assertThat(dot(rx, rx)).isCloseTo(dot(x, x), org.assertj.core.api.Assertions.within(1e-3));
    // Position 0 is the identity, later positions are not.
    for (int i = 0; i < hd; i++) {
      assertThat(rx[i]).isEqualTo(x[i]);
    }
    assertThat(rx[hd]).isNotEqualTo(x[hd]);
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  private static float[] toFloat(double[] x) {
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
      x[i] = f[i];
    }
    return f;
  }

  @Test
  void perExampleGradientsEqualEachExampleAlone() {
    // DP-SGD's per-example gradients through the Llama block, padded batch vs each example on its own.
    long seed = SEED + 5;
    LlamaConfig c = config("qwen3", 16, 4, 2, 6, true, true, false, null);
    LlamaModel model = randomModel(c, seed);
    loraAllLinear(model, seed);
    Objective task = new CausalLm(model);
    Batch batch = batch(seed, 3, 7);
    List<Parameter> params = model.adapterParameters();
    Pass pass = Pass.training(batch.batch(), batch.seqLen(), true, null);
    params.forEach(p -> p.resetPerExample(batch.batch()));
    LanguageModel.ForwardState[] acts = new LanguageModel.ForwardState[1];
    float[] hidden = model.forward(batch.ids(), pass, acts);
    float[] dHidden = new float[hidden.length];
    task.loss(hidden, batch, pass, dHidden);
    model.backward(acts[0], dHidden);
    for (int i = 0; i < batch.batch(); i++) {
      int len = batch.lengths()[i];
      int[] own = java.util.Arrays.copyOfRange(batch.ids(), i * batch.seqLen(), i * batch.seqLen() + len);
      Batch one = Batch.of(new int[][] {own}, null, VOCAB - 1);
      Pass p1 = Pass.training(1, len, false, null);
      params.forEach(Parameter::zeroGrad);
      LanguageModel.ForwardState[] a1 = new LanguageModel.ForwardState[1];
      float[] h1 = model.forward(one.ids(), p1, a1);
      float[] d1 = new float[h1.length];
      task.loss(h1, one, p1, d1);
      model.backward(a1[0], d1);
      for (Parameter p : params) {
        for (int j = 0; j < p.size(); j++) {
          float per = p.perExampleGrad()[i * p.size() + j];
          assertThat(per).as("%s[%d] of example %d (seed %d)", p.name(), j, i, seed)
              .isCloseTo(p.grad()[j], org.assertj.core.api.Assertions.within(1e-4f + 1e-3f * Math.abs(p.grad()[j])));
        }
      }
    }
  }
}
