package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.train.Batch;
import java.util.List;
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

    LlamaModel fresh = model(c, recompute, adapted);
    fresh.recycleActivations(false);
    float[][] expected = LlamaGradientCheckTest.stepGradients(fresh, second);

    LlamaModel reused = model(c, recompute, adapted);
    LlamaGradientCheckTest.stepGradients(reused, first);
    int free = reused.workspace().freeCount();
    assertThat(free).as("arrays back in the workspace after a step (%s)", what).isPositive();
    reused.workspace().fillFree(Float.NaN);
    float[][] actual = LlamaGradientCheckTest.stepGradients(reused, second);
    assertThat(reused.workspace().freeCount()).as("every array handed out comes back (%s)", what)
        .isEqualTo(free);

    List<Parameter> params = reused.adapterParameters();
    for (int p = 0; p < expected.length; p++) {
      for (int i = 0; i < expected[p].length; i++) {
        assertThat(actual[p][i]).as("parameter %s[%d] (%s)", params.get(p).name(), i, what)
            .isCloseTo(expected[p][i], within(1e-6f + 1e-5f * Math.abs(expected[p][i])));
      }
    }
  }

  private static LlamaModel model(LlamaConfig c, boolean recompute, Predicate<String> adapted) {
    LlamaModel model = LlamaGradientCheckTest.randomModel(c, SEED);
    model.setActivationRecomputation(recompute);
    LlamaGradientCheckTest.lora(model, 2, adapted, SEED);
    return model;
  }
}
