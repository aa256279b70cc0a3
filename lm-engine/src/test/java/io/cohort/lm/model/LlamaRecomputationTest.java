package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.train.Batch;
import io.cohort.lm.train.CausalLm;
import io.cohort.lm.train.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Activation recomputation changes memory, not gradients: with it on, summed and per-example
 * gradients equal those of the plain backward pass, and with LoRA dropout (whose masks the
 * recomputed forward must replay) the gradients still match finite differences of the same
 * seeded training loss.
 */
class LlamaRecomputationTest {
  private static final long SEED = 20261209L;

  private static LlamaConfig config() {
    return LlamaGradientCheckTest.config("qwen2", 16, 4, 2, 4, true, false, false, null);
  }

  @Test
  void summedAndPerExampleGradientsEqualThoseWithoutRecomputation() {
    for (boolean perExample : new boolean[] {false, true}) {
      float[][] plain = gradients(false, perExample, 0f, SEED);
      float[][] recomputed = gradients(true, perExample, 0f, SEED);
      for (int p = 0; p < plain.length; p++) {
        for (int i = 0; i < plain[p].length; i++) {
          assertThat(recomputed[p][i]).as("parameter %d[%d], per-example %s, seed %d", p, i, perExample, SEED)
              .isCloseTo(plain[p][i], org.assertj.core.api.Assertions.within(1e-6f + 1e-5f * Math.abs(plain[p][i])));
        }
      }
    }
  }

  @Test
  void withDropoutTheRecomputedMasksAreTheForwardPassesMasks() {
    dropoutCheck(false);
    dropoutCheck(true);
  }

  private static void dropoutCheck(boolean recompute) {
    LlamaModel model = LlamaGradientCheckTest.randomModel(config(), SEED);
    model.setActivationRecomputation(recompute);
    List<Parameter> params = attach(model, 0.3f, SEED);
    Objective task = new CausalLm(model);
    Batch batch = LlamaGradientCheckTest.batch(SEED, 3, 6);
    trainingLossAndGradients(model, task, batch, params, false, true);
    List<Parameter> checked = List.of(params.get(0), params.get(params.size() - 2));
    List<float[]> analytics = checked.stream().map(p -> p.grad().clone()).toList();
    double h = 1e-2;
    // A's gradient sees the dropout mask (B's through A x only): check every A entry of two modules.
    for (int k = 0; k < checked.size(); k++) {
      Parameter p = checked.get(k);
      float[] v = p.value();
      float[] analytic = analytics.get(k);
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < v.length; i++) {
        float keep = v[i];
        v[i] = (float) (keep + h);
        double up = trainingLossAndGradients(model, task, batch, params, false, false);
        v[i] = (float) (keep - h);
        double down = trainingLossAndGradients(model, task, batch, params, false, false);
        v[i] = keep;
        double fd = (up - down) / (2 * h);
        diff += (fd - analytic[i]) * (fd - analytic[i]);
        norm += fd * fd;
      }
      assertThat(norm).as("%s has a gradient (seed %d)", p.name(), SEED).isGreaterThan(1e-12);
      assertThat(Math.sqrt(diff / norm)).as("relative error of %s with dropout, recomputation %s (seed %d)",
          p.name(), recompute, SEED).isLessThan(1e-2);
    }
  }

  private static float[][] gradients(boolean recompute, boolean perExample, float dropout, long seed) {
    LlamaModel model = LlamaGradientCheckTest.randomModel(config(), seed);
    model.setActivationRecomputation(recompute);
    List<Parameter> params = attach(model, dropout, seed);
    trainingLossAndGradients(model, new CausalLm(model), LlamaGradientCheckTest.batch(seed, 3, 6), params,
        perExample, true);
    float[][] out = new float[params.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = (perExample ? params.get(i).perExampleGrad() : params.get(i).grad()).clone();
    }
    return out;
  }

  private static List<Parameter> attach(LlamaModel model, float dropout, long seed) {
    LoraModel lora = LoraModel.attach(model, new LoraConfig(2, 4f, dropout, List.of("all-linear"), false, seed),
        p -> true);
    SplittableRandom rnd = new SplittableRandom(seed + 1);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (rnd.nextDouble() - 0.5) * 0.5f;
      }
    }
    return new ArrayList<>(model.adapterParameters());
  }

  /** The training-mode loss with dropout masks from a fixed seed; gradients too when {@code backward}. */
  private static double trainingLossAndGradients(LlamaModel model, Objective task, Batch batch, List<Parameter> params,
      boolean perExample, boolean backward) {
    Pass pass = Pass.training(batch.batch(), batch.seqLen(), perExample, new SplittableRandom(SEED + 7));
    for (Parameter p : params) {
      if (perExample) {
        p.resetPerExample(batch.batch());
      } else {
        p.zeroGrad();
      }
    }
    LanguageModel.ForwardState[] acts = new LanguageModel.ForwardState[1];
    float[] hidden = model.forward(batch.ids(), pass, acts);
    float[] dHidden = backward ? new float[hidden.length] : null;
    double loss = task.loss(hidden, batch, pass, dHidden);
    if (backward) {
      model.backward(acts[0], dHidden);
    }
    return loss;
  }
}
