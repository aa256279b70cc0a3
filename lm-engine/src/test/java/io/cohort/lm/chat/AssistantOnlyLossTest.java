package io.cohort.lm.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Gpt2Shape;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import io.cohort.lm.train.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The loss mask, proved on gradients: with the model's inputs held fixed, changing the target of a
 * user (or system) position changes no adapter gradient; changing an assistant target does.
 */
class AssistantOnlyLossTest {
  static final long SEED = 1717;
  static final Gpt2Shape SHAPE = new Gpt2Shape(41, 16, 16, 2, 2, 1e-5f);

  /** Adapter gradients when targets are {@code targets} and the inputs {@code inputs}. */
  static List<float[]> grads(Gpt2Model model, List<Parameter> params, AssistantOnlyLm task, int[] inputs,
      int[] targets, boolean perExample) {
    for (Parameter p : params) {
      if (perExample) {
        p.resetPerExample(1);
      } else {
        p.zeroGrad();
      }
    }
    Pass pass = Pass.training(1, inputs.length, perExample, new SplittableRandom(SEED));
    Gpt2Model.Activations[] acts = new Gpt2Model.Activations[1];
    float[] hidden = model.forward(inputs, pass, acts);
    float[] dHidden = new float[hidden.length];
    // the task reads targets from the batch ids; the hidden states came from the unchanged inputs
    task.loss(hidden, new Batch(targets, new int[] {targets.length}, new int[] {0}, 1, targets.length), pass, dHidden);
    model.backward(acts[0], dHidden);
    List<float[]> out = new ArrayList<>();
    for (Parameter p : params) {
      out.add((perExample ? p.perExampleGrad() : p.grad()).clone());
    }
    return out;
  }

  static double maxDiff(List<float[]> a, List<float[]> b) {
    double d = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int j = 0; j < a.get(i).length; j++) {
        d = Math.max(d, Math.abs(a.get(i)[j] - b.get(i)[j]));
      }
    }
    return d;
  }

  @Test
  void userTargetsChangeNoGradientAssistantTargetsDo() {
    Gpt2Model model = Gpt2Model.random(SHAPE, SEED, true);
    LoraModel lora = LoraModel.attach(model, new LoraConfig(2, 4f, 0f, List.of("c_attn"), false, SEED),
        p -> p.endsWith(".c_attn"));
    SplittableRandom rnd = new SplittableRandom(SEED + 1);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (rnd.nextDouble() - 0.5);
      }
    }
    List<Parameter> params = model.adapterParameters();
    int n = 14;
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = rnd.nextInt(SHAPE.vocabSize());
    }
    // positions 0-5 system/user, 6-9 assistant (content + end of turn), 10-11 user, 12-13 assistant
    boolean[] mask = new boolean[n];
    for (int t : new int[] {6, 7, 8, 9, 12, 13}) {
      mask[t] = true;
    }
    AssistantOnlyLm task = new AssistantOnlyLm(model, List.of(mask));
    for (boolean perExample : new boolean[] {false, true}) {
      List<float[]> base = grads(model, params, task, ids, ids, perExample);
      assertThat(maxDiff(base, grads(model, params, task, ids, ids, perExample))).as("deterministic").isZero();
      for (int user : new int[] {1, 3, 5, 10, 11}) {
        int[] t = ids.clone();
        t[user] = (t[user] + 7) % SHAPE.vocabSize();
        assertThat(maxDiff(base, grads(model, params, task, ids, t, perExample)))
            .as("seed %d, perExample %s: changing the target at user position %d", SEED, perExample, user).isZero();
      }
      for (int assistant : new int[] {6, 9, 12, 13}) {
        int[] t = ids.clone();
        t[assistant] = (t[assistant] + 7) % SHAPE.vocabSize();
        assertThat(maxDiff(base, grads(model, params, task, ids, t, perExample)))
            .as("seed %d, perExample %s: changing the target at assistant position %d", SEED, perExample, assistant)
            .isGreaterThan(1e-6);
      }
    }
  }

  @Test
  void lossIsTheMeanAssistantNll() {
    Gpt2Model model = Gpt2Model.random(SHAPE, SEED, true);
    int[] ids = {1, 2, 3, 4, 5, 6};
    boolean[] mask = {false, false, false, true, true, false};
    AssistantOnlyLm task = new AssistantOnlyLm(model, List.of(mask));
    Batch batch = new Batch(ids, new int[] {6}, new int[] {0}, 1, 6);
    float[] hidden = model.forward(ids, Pass.inference(1, 6), null);
    double[] nll = task.nll(hidden, batch);
    assertThat(nll[1]).isEqualTo(2);
    // reference: log-softmax of the logits at positions 2 and 3 for targets 4 and 5
    float[] logits = new float[6 * SHAPE.vocabSize()];
    model.logits(hidden, 0, 6, logits);
    double ref = 0;
    for (int p : new int[] {2, 3}) {
      int o = p * SHAPE.vocabSize();
      double z = 0;
      for (int c = 0; c < SHAPE.vocabSize(); c++) {
        z += Math.exp(logits[o + c]);
      }
      ref += Math.log(z) - logits[o + ids[p + 1]];
    }
    assertThat(nll[0]).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(task.loss(hidden, batch, Pass.inference(1, 6), null)).isCloseTo(ref / 2,
        org.assertj.core.data.Offset.offset(1e-4));
  }
}
