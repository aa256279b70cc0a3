package io.cohort.lm.lora;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.checkpoint.Safetensors;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.model.Pass;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on the Llama family: target modules by name, regex and all-linear; PEFT keys and round trip. */
class LlamaPeftTest {
  private static final long SEED = 20261208L;
  private static final Path TINY = Path.of("..", "examples", "llama", "tiny-llama3");

  @Test
  void targetModulesByNameRegexAndAllLinear() throws Exception {
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(TINY));
    LoraModel names = LoraModel.attach(model, new LoraConfig(2, 4f, 0f, List.of("q_proj", "down_proj"), false, SEED));
    assertThat(names.paths()).containsExactly("model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj",
        "model.layers.1.self_attn.q_proj", "model.layers.1.mlp.down_proj");
    model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(TINY));
    LoraModel regex = LoraModel.attach(model, new LoraConfig(2, 4f, 0f,
        List.of("model\\.layers\\.1\\.self_attn\\.[qv]_proj"), false, SEED));
    assertThat(regex.paths()).containsExactly("model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
    model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(TINY));
    LoraModel all = LoraModel.attach(model, new LoraConfig(2, 4f, 0f, List.of("all-linear"), false, SEED));
    assertThat(all.paths()).hasSize(14).allMatch(p -> p.startsWith("model.layers."));
  }

  @Test
  void peftAdapterHasPeftKeysAndRoundTripsToTheSameLogits(@TempDir Path tmp) throws Exception {
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(TINY));
    LoraModel lora = LoraModel.attach(model, new LoraConfig(4, 8f, 0f, List.of("all-linear"), false, SEED));
    SplittableRandom rnd = new SplittableRandom(SEED);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (rnd.nextDouble() - 0.5) * 0.2f;
      }
    }
    int[] ids = {128000, 791, 4062, 14198, 39935, 927, 279, 16053, 5679, 13};
    float[] before = logits(model, ids);

    PeftAdapter adapter = PeftExport.toPeft(lora, AdapterConfig.CAUSAL_LM, "tiny-llama3", List.of(), List.of());
    adapter.write(tmp);
    Map<String, CheckpointTensor> stored = Safetensors.read(tmp.resolve("adapter_model.safetensors"));
    assertThat(stored).containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
    assertThat(stored.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape())
        .containsExactly(4, 64);
    assertThat(stored.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape())
        .containsExactly(64, 4);
    assertThat(stored.get("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight").shape())
        .as("k_proj is [kv heads * head_dim, hidden]").containsExactly(32, 4);
    assertThat(stored).hasSize(28);
    JsonNode cfg = new ObjectMapper().readTree(tmp.resolve("adapter_config.json").toFile());
    assertThat(cfg.get("fan_in_fan_out").asBoolean()).as("nn.Linear layers").isFalse();
    assertThat(cfg.get("target_modules")).extracting(JsonNode::asText).containsExactly("down_proj", "gate_proj",
        "k_proj", "o_proj", "q_proj", "up_proj", "v_proj");

    LlamaModel fresh = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(TINY));
    assertThat(maxAbsDiff(logits(fresh, ids), before)).as("the adapter changes the logits").isGreaterThan(1e-2);
    PeftExport.attach(fresh, PeftAdapter.read(tmp), false);
    assertThat(maxAbsDiff(logits(fresh, ids), before)).as("logits with the re-read adapter").isLessThan(1e-6);

    // Merged export (cohort-node export --merged): W + (alpha/r) B A per module gives the adapter's logits.
    Path merged = tmp.resolve("merged");
    io.cohort.format.peft.MergedCheckpoint.write(TINY, PeftAdapter.read(tmp), merged);
    assertThat(merged.resolve("tokenizer.json")).exists();
    LlamaModel mergedModel = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(merged));
    assertThat(mergedModel.linears().values()).allMatch(l -> l.adapter() == null);
    double scale = 0;
    for (float v : before) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertThat(maxAbsDiff(logits(mergedModel, ids), before) / scale).as("merged vs adapter logits, relative")
        .isLessThan(1e-4);
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  private static float[] logits(LlamaModel model, int[] ids) {
    float[] hidden = model.forward(ids, Pass.inference(1, ids.length), null);
    float[] out = new float[ids.length * model.vocabSize()];
    model.logits(hidden, 0, ids.length, out);
    return out;
  }
}
