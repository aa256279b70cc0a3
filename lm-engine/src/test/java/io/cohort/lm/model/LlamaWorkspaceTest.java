package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.train.Batch;
import io.cohort.lm.train.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The Llama training pass recycles its activation arrays ({@link Workspace}): a step that follows
 * another must give the gradients of a model that allocates every array fresh, even when every
 * recycled array was filled with NaN in between (so any read of a stale value, or an array handed
 * back while still in use, shows), with and without q/k norms, activation recomputation and layers
 * below the lowest adapted one.
 */
class LlamaWorkspaceTest {
  private static final long SEED = 20261207L;

  @Test
  void aRecycledStepGivesTheGradientsOfFreshArrays() {
    LlamaConfig plain = LlamaGradientCheckTest.config("qwen2", 16, 4, 2, 4, true, false, false, null);
    LlamaConfig qkNorm = LlamaGradientCheckTest.config("qwen3", 16, 4, 2, 6, false, true, true, null);
    for (LlamaConfig c : List.of(plain, qkNorm)) {
      for (boolean recompute : new boolean[] {false, true}) {
        // All layers adapted, and only the upper one (the lower layer then gets no backward pass).
        for (Predicate<String> adapted : List.<Predicate<String>>of(p -> true, p -> p.contains("layers.1."))) {
          check(c, recompute, adapted);
        }
      }
    }
  }

  private static void check(LlamaConfig c, boolean recompute, Predicate<String> adapted) {
    String what = c.modelType() + ", recompute " + recompute + ", seed " + SEED;
    Batch first = LlamaGradientCheckTest.batch(SEED, 3, 6);
    Batch second = LlamaGradientCheckTest.batch(SEED + 1, 3, 6);
    assertThat(second.seqLen()).isEqualTo(first.seqLen());

    LlamaModel fresh = LlamaGradientCheckTest.randomModel(c, SEED);
    fresh.recycleActivations(false);
    fresh.setActivationRecomputation(recompute);
    List<Parameter> freshParams = attach(fresh, adapted);
    float[][] expected = step(fresh, second, freshParams);

    LlamaModel reused = LlamaGradientCheckTest.randomModel(c, SEED);
    reused.setActivationRecomputation(recompute);
    List<Parameter> reusedParams = attach(reused, adapted);
    step(reused, first, reusedParams);
    int free = reused.workspace().freeCount();
    assertThat(free).as("arrays back in the workspace after a step (%s)", what).isPositive();
    reused.workspace().fillFree(Float.NaN);
    float[][] actual = step(reused, second, reusedParams);
    assertThat(reused.workspace().freeCount()).as("every array handed out comes back (%s)", what)
        .isEqualTo(free);

    for (int p = 0; p < expected.length; p++) {
      for (int i = 0; i < expected[p].length; i++) {
        assertThat(actual[p][i]).as("parameter %s[%d] (%s)", reusedParams.get(p).name(), i, what)
            .isCloseTo(expected[p][i], within(1e-6f + 1e-5f * Math.abs(expected[p][i])));
      }
    }
  }

  private static List<Parameter> attach(LlamaModel model, Predicate<String> adapted) {
    LoraModel lora = LoraModel.attach(model, new LoraConfig(2, 4f, 0f, List.of("all-linear"), false, SEED), adapted);
    SplittableRandom rnd = new SplittableRandom(SEED + 1);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (rnd.nextDouble() - 0.5) * 0.5f;
      }
    }
    return new ArrayList<>(model.adapterParameters());
  }

  private static float[][] step(LlamaModel model, Batch batch, List<Parameter> params) {
    Pass pass = Pass.training(batch.batch(), batch.seqLen(), false, new SplittableRandom(SEED + 7));
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
}
