package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hand-written backward passes against central finite differences of the float32 loss. */
class GradientCheckTest {
  private static final long SEED = 20261128L;

  @Test
  void classificationGradientsMatchFiniteDifferences() {
    Gpt2Model model = TinyModels.model(SEED);
    TinyModels.lora(model, SEED, false, 0f);
    Objective task = new SequenceClassification(TinyModels.SHAPE.width(), 3, Pooling.MEAN, new SplittableRandom(SEED));
    Batch batch = TinyModels.batch(SEED, 3, 7);
    int[] labels = batch.labels();
    labels[1] = 2;
    check(model, task, batch);
  }

  @Test
  void lastTokenPoolingGradientsMatchFiniteDifferences() {
    Gpt2Model model = TinyModels.model(SEED + 1);
    TinyModels.lora(model, SEED + 1, true, 0f);
    Objective task = new SequenceClassification(TinyModels.SHAPE.width(), 2, Pooling.LAST, new SplittableRandom(SEED));
    check(model, task, TinyModels.batch(SEED + 1, 2, 6));
  }

  @Test
  void causalLmGradientsMatchFiniteDifferences() {
    Gpt2Model model = TinyModels.model(SEED + 2);
    TinyModels.lora(model, SEED + 2, false, 0f);
    check(model, new CausalLm(model), TinyModels.batch(SEED + 2, 3, 6));
  }

  @Test
  void assistantOnlyGradientsMatchFiniteDifferences() {
    Gpt2Model model = TinyModels.model(SEED + 3);
    TinyModels.lora(model, SEED + 3, false, 0f);
    Batch b = TinyModels.batch(SEED + 3, 3, 6);
    // conversation index as label; only the last two targets of each row count, as for a short answer
    List<boolean[]> masks = new ArrayList<>();
    int[] labels = new int[b.batch()];
    for (int i = 0; i < b.batch(); i++) {
      boolean[] m = new boolean[b.seqLen()];
      m[b.lengths()[i] - 1] = true;
      m[b.lengths()[i] - 2] = true;
      masks.add(m);
      labels[i] = i;
    }
    check(model, new io.cohort.lm.chat.AssistantOnlyLm(model, masks),
        new Batch(b.ids(), b.lengths(), labels, b.batch(), b.seqLen()));
  }

  private static void check(Gpt2Model model, Objective task, Batch batch) {
    List<Parameter> params = new ArrayList<>(model.adapterParameters());
    params.addAll(task.parameters());
    Pass pass = Pass.training(batch.batch(), batch.seqLen(), false, null);
    Gpt2Model.Activations[] acts = new Gpt2Model.Activations[1];
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
      assertThat(norm).as("gradient of %s is not all zero (seed %d)", p.name(), SEED).isGreaterThan(1e-12);
      assertThat(rel).as("relative error of %s's gradient (seed %d)", p.name(), SEED).isLessThan(1e-2);
    }
  }

  private static double loss(Gpt2Model model, Objective task, Batch batch) {
    Pass pass = Pass.inference(batch.batch(), batch.seqLen());
    return task.loss(model.forward(batch.ids(), pass, null), batch, pass, null);
  }
}
