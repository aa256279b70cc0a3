package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Training passes recycle their activation arrays between steps (Gpt2Model's workspace): stale
 * contents must never leak into a later step, whatever shapes came in between.
 */
class ActivationReuseTest {
  private static final long SEED = 777L;

  @Test
  void gradientsOfAStepDoNotDependOnEarlierStepsOfAnyShape() {
    Gpt2Model model = TinyModels.model(SEED);
    TinyModels.lora(model, SEED, false, 0f);
    Trainer trainer = new Trainer(model,
        new SequenceClassification(TinyModels.SHAPE.width(), 2, Pooling.MEAN, new SplittableRandom(SEED)), 0);
    List<Parameter> params = trainer.parameters();
    Batch batch = TinyModels.batch(SEED, 4, 9);
    double firstLoss = trainer.forwardBackward(batch, params, false, null);
    List<float[]> first = params.stream().map(p -> p.grad().clone()).toList();
    // Other shapes, a per-example pass and a forward without backward, then the same batch again.
    trainer.forwardBackward(TinyModels.batch(SEED + 1, 4, 9), params, true, null);
    trainer.forwardBackward(TinyModels.batch(SEED + 2, 3, 12), params, false, null);
    model.forward(batch.ids(), Pass.training(batch.batch(), batch.seqLen(), false, null), new Gpt2Model.Activations[1]);
    trainer.forwardBackward(TinyModels.batch(SEED + 3, 4, 9), params, false, null);
    double againLoss = trainer.forwardBackward(batch, params, false, null);
    assertThat(againLoss).as("loss (seed %d)", SEED).isEqualTo(firstLoss);
    for (int k = 0; k < params.size(); k++) {
      assertThat(params.get(k).grad()).as("%s (seed %d)", params.get(k).name(), SEED).containsExactly(first.get(k));
    }
  }

  @Test
  void activationsSupportOneBackwardPass() {
    Gpt2Model model = TinyModels.model(SEED);
    TinyModels.lora(model, SEED, false, 0f);
    Batch batch = TinyModels.batch(SEED, 2, 5);
    Gpt2Model.Activations[] acts = new Gpt2Model.Activations[1];
    float[] hidden = model.forward(batch.ids(), Pass.training(batch.batch(), batch.seqLen(), false, null), acts);
    float[] dHidden = new float[hidden.length];
    java.util.Arrays.fill(dHidden, 0.01f);
    model.backward(acts[0], dHidden);
    assertThatThrownBy(() -> model.backward(acts[0], dHidden)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already used by a backward pass");
  }
}
