package io.cohort.lm.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Gpt2Shape;
import io.cohort.lm.model.Pass;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.FederatedAdapter;
import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.format.peft.TargetModules;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's export path for an FFA-LoRA job (global model = B and the head only; A
 * regenerated from the job seed), written as PEFT files and attached to the engine again, gives
 * bit-for-bit the forward pass of the engine model that the nodes trained.
 */
class FederatedExportTest {
  private static final long SEED = 4711L;
  private static final long JOB_SEED = 42L;
  private static final Gpt2Shape SHAPE = new Gpt2Shape(37, 12, 24, 2, 3, 1e-5f);
  private static final List<String> TARGETS = List.of("c_attn", "c_fc");

  private static float[] logits(Gpt2Model m, int[] ids) {
    Pass pass = Pass.inference(2, ids.length / 2);
    float[] h = m.forward(ids, pass, null);
    float[] out = new float[ids.length * SHAPE.vocabSize()];
    m.logits(h, 0, ids.length, out);
    return out;
  }

  @Test
  void exportedFfaLoraAdapter_reproducesTheTrainedEngineBitForBit(@TempDir Path dir) throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    Map<String, float[]> base = Gpt2Model.randomTensors(SHAPE, SEED, true);
    // What a node holds after training: A from the job seed (frozen), B trained, a trained head.
    Gpt2Model trained = Gpt2Model.fromTensors(SHAPE, base);
    LoraModel lora = LoraModel.attach(trained, new LoraConfig(4, 16f, 0f, TARGETS, true,
        LoraInit.seedForJob(JOB_SEED)), TargetModules.names(TARGETS)::matches);
    Map<String, CheckpointTensor> global = new LinkedHashMap<>();
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (r.nextDouble() - 0.5) * 0.2f;
      }
      global.put(PeftAdapter.loraBKey(m.path()), new CheckpointTensor("b", m.loraB().shape(), b.clone()));
    }
    float[] score = new float[2 * SHAPE.width()];
    for (int i = 0; i < score.length; i++) {
      score[i] = (float) r.nextGaussian();
    }
    global.put(PeftAdapter.KEY_PREFIX + "score.weight", new CheckpointTensor("s", new int[] {2, SHAPE.width()}, score));
    global.put(PeftAdapter.KEY_PREFIX + "score.bias", new CheckpointTensor("s", new int[] {2}, new float[] {0.5f, -0.25f}));

    PeftAdapter exported = FederatedAdapter.fromGlobalModel(global, new FederatedAdapter.Settings(
        AdapterConfig.SEQ_CLS, "tiny", 4, 16, 0, TARGETS, true, LoraInit.seedForJob(JOB_SEED)), Optional.empty());
    exported.write(dir);
    PeftAdapter loaded = PeftAdapter.read(dir);
    Gpt2Model reloaded = Gpt2Model.fromTensors(SHAPE, Gpt2Model.randomTensors(SHAPE, SEED, true));
    LoraModel attached = PeftExport.attach(reloaded, loaded, true);

    for (LoraModule m : lora.modules().values()) {
      assertThat(attached.modules().get(m.path()).loraA().value()).as("A of %s (seed %d)", m.path(), SEED)
          .isEqualTo(m.loraA().value());
    }
    int[] ids = new int[16];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(SHAPE.vocabSize());
    }
    assertThat(logits(reloaded, ids)).as("forward after export and reload (seed %d)", SEED)
        .isEqualTo(logits(trained, ids));
    assertThat(loaded.savedModules().get("score.weight").data()).isEqualTo(score);
    assertThat(loaded.savedModules().get("score.bias").data()).containsExactly(0.5f, -0.25f);
  }
}
