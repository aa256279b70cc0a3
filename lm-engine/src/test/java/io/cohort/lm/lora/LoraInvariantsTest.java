package io.cohort.lm.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.format.peft.PeftAdapter;
import io.cohort.format.peft.TargetModules;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Gpt2Shape;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** LoRA's defining properties: a fresh adapter is a no-op, and adapter = merged weights. */
class LoraInvariantsTest {
  private static final long SEED = 77L;
  private static final Gpt2Shape SHAPE = new Gpt2Shape(37, 12, 24, 2, 3, 1e-5f);

  private static int[] ids(int n) {
    SplittableRandom r = new SplittableRandom(SEED);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(SHAPE.vocabSize());
    }
    return ids;
  }

  private static float[] logits(Gpt2Model m, int[] ids, int batch) {
    Pass pass = Pass.inference(batch, ids.length / batch);
    float[] h = m.forward(ids, pass, null);
    float[] out = new float[ids.length * SHAPE.vocabSize()];
    m.logits(h, 0, ids.length, out);
    return out;
  }

  @Test
  void freshAdapterGivesExactlyTheBaseLogits() {
    Map<String, float[]> base = Gpt2Model.randomTensors(SHAPE, SEED, true);
    int[] ids = ids(20);
    float[] before = logits(Gpt2Model.fromTensors(SHAPE, base), ids, 2);
    Gpt2Model adapted = Gpt2Model.fromTensors(SHAPE, base);
    LoraModel lora = LoraModel.attach(adapted, new LoraConfig(4, 8f, 0f, List.of("c_attn", "c_fc"), false, SEED),
        TargetModules.names(List.of("c_attn", "c_fc"))::matches);
    assertThat(lora.modules()).hasSize(4);
    assertThat(lora.modules().values()).allSatisfy(m -> assertThat(m.loraA().value()).isNotEqualTo(new float[m.loraA().size()]));
    assertThat(logits(adapted, ids, 2)).isEqualTo(before);
  }

  @Test
  void adapterForwardEqualsMergedCheckpointForward() {
    Map<String, float[]> base = Gpt2Model.randomTensors(SHAPE, SEED, true);
    float[][] copies = base.values().stream().map(float[]::clone).toArray(float[][]::new);
    Gpt2Model adapted = Gpt2Model.fromTensors(SHAPE, base);
    LoraModel lora = LoraModel.attach(adapted, new LoraConfig(4, 16f, 0f, List.of("c_attn", "c_proj"), false, SEED),
        TargetModules.names(List.of("c_attn", "c_proj"))::matches);
    SplittableRandom r = new SplittableRandom(SEED + 1);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (r.nextDouble() - 0.5) * 0.2f;
      }
    }
    int[] ids = ids(24);
    float[] withAdapter = logits(adapted, ids, 2);
    float[] merged = logits(Gpt2Model.fromTensors(SHAPE, lora.merge(base)), ids, 2);
    double maxDiff = 0;
    for (int i = 0; i < merged.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(merged[i] - withAdapter[i]));
    }
    assertThat(maxDiff).as("max |adapter - merged| logit (seed %d)", SEED).isLessThan(1e-4);
    float[] plain = logits(Gpt2Model.fromTensors(SHAPE, Gpt2Model.randomTensors(SHAPE, SEED, true)), ids, 2);
    assertThat(plain).as("the adapter changes the output").isNotEqualTo(withAdapter);
    int i = 0;
    for (float[] t : base.values()) {
      assertThat(t).as("base tensors are never modified").isEqualTo(copies[i++]);
    }
  }

  @Test
  void exportThenImportRoundTripsBitExactly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    Map<String, float[]> base = Gpt2Model.randomTensors(SHAPE, SEED, true);
    Gpt2Model trained = Gpt2Model.fromTensors(SHAPE, base);
    LoraModel lora = LoraModel.attach(trained, new LoraConfig(4, 16f, 0.05f, List.of("c_attn", "c_fc"), false, SEED),
        TargetModules.names(List.of("c_attn", "c_fc"))::matches);
    SplittableRandom r = new SplittableRandom(SEED + 2);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) r.nextGaussian() * 1e-3f;
      }
    }
    Parameter head = new Parameter("score.weight",
        new int[] {2, SHAPE.width()}, new float[2 * SHAPE.width()]);
    head.value()[3] = 0.25f;
    PeftExport.toPeft(lora, "SEQ_CLS", "tiny", List.of(head), List.of("score")).write(dir);
    PeftAdapter read = PeftAdapter.read(dir);
    Gpt2Model loaded = Gpt2Model.fromTensors(SHAPE, base);
    LoraModel back = PeftExport.attach(loaded, read, false);
    assertThat(back.paths()).isEqualTo(lora.paths());
    for (String p : lora.paths()) {
      assertThat(back.modules().get(p).loraA().value()).isEqualTo(lora.modules().get(p).loraA().value());
      assertThat(back.modules().get(p).loraB().value()).isEqualTo(lora.modules().get(p).loraB().value());
    }
    assertThat(back.config().scale()).isEqualTo(lora.config().scale());
    assertThat(read.savedModules().get("score.weight").data()).isEqualTo(head.value());
    int[] ids = ids(12);
    assertThat(logits(loaded, ids, 1)).isEqualTo(logits(trained, ids, 1));
  }

  @Test
  void targetsThatMatchNothingAreRefused() {
    Gpt2Model m = Gpt2Model.random(SHAPE, SEED, false);
    assertThatThrownBy(() -> LoraModel.attach(m, new LoraConfig(2, 4f, 0f, List.of("q_proj"), false, 1),
        TargetModules.names(List.of("q_proj"))::matches)).hasMessageContaining("match no layer");
  }
}
