package io.cohort.format.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.Safetensors;
import io.cohort.format.checkpoint.CheckpointTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterTest {
  private static final long SEED = 1234L;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** tiny-gpt2-reuters' shape: 4 layers, 64 wide. */
  private static final Gpt2Config TINY = Gpt2Config.of(50257, 256, 64, 4, 4);

  @TempDir Path dir;

  @Test
  void writesPeftKeysShapesMetadataAndConfigExactly() throws Exception {
    PeftAdapter adapter = classificationAdapter(new Random(SEED));

    adapter.write(dir);

    Path weights = dir.resolve("adapter_model.safetensors");
    Map<String, Safetensors.Entry> entries = Safetensors.header(weights).entries();
    assertThat(entries.keySet()).containsExactly(
        "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
        "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
        "base_model.model.transformer.h.1.attn.c_attn.lora_A.weight",
        "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight",
        "base_model.model.transformer.h.2.attn.c_attn.lora_A.weight",
        "base_model.model.transformer.h.2.attn.c_attn.lora_B.weight",
        "base_model.model.transformer.h.3.attn.c_attn.lora_A.weight",
        "base_model.model.transformer.h.3.attn.c_attn.lora_B.weight",
        "base_model.model.score.weight");
    assertThat(entries.get("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").shape())
        .as("lora_A [r, in]").containsExactly(8, 64);
    assertThat(entries.get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape())
        .as("lora_B [out, r]").containsExactly(192, 8);
    assertThat(entries.get("base_model.model.score.weight").shape()).containsExactly(2, 64);
    assertThat(entries.values()).allMatch(e -> e.dtype().equals("F32"));
    assertThat(Safetensors.metadata(weights)).isEqualTo(Map.of("format", "pt"));

    JsonNode config = JSON.readTree(dir.resolve("adapter_config.json").toFile());
    assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
    assertThat(config.get("r").isInt()).isTrue();
    assertThat(config.get("r").intValue()).isEqualTo(8);
    assertThat(config.get("lora_alpha").isIntegralNumber()).as("PEFT writes alpha 16 as an int").isTrue();
    assertThat(config.get("lora_alpha").intValue()).isEqualTo(16);
    assertThat(config.get("lora_dropout").doubleValue()).isEqualTo(0.05);
    assertThat(config.get("fan_in_fan_out").booleanValue()).isTrue();
    assertThat(config.get("bias").asText()).isEqualTo("none");
    assertThat(config.get("target_modules").toString()).isEqualTo("[\"c_attn\"]");
    assertThat(config.get("modules_to_save").toString()).isEqualTo("[\"score\"]");
    assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("examples/text/tiny-gpt2-reuters");
    assertThat(config.get("use_dora").booleanValue()).isFalse();
    assertThat(config.get("use_rslora").booleanValue()).isFalse();
  }

  @Test
  void exportThenImportIsBitExact() throws Exception {
    Random rnd = new Random(SEED);
    PeftAdapter adapter = classificationAdapter(rnd);
    // special values survive too
    adapter.lora().get("transformer.h.0.attn.c_attn").b().data()[0] = -0f;
    adapter.lora().get("transformer.h.0.attn.c_attn").b().data()[1] = Float.MIN_VALUE;

    adapter.write(dir);
    PeftAdapter back = PeftAdapter.read(dir);

    assertThat(back.config()).isEqualTo(adapter.config());
    assertThat(back.lora().keySet()).containsExactlyElementsOf(adapter.lora().keySet());
    adapter.lora().forEach((m, p) -> {
      assertThat(back.lora().get(m).a().data()).as("seed %d A of %s", SEED, m).isEqualTo(p.a().data());
      assertThat(back.lora().get(m).b()).as("B of %s", m).isEqualTo(p.b().withName(m + ".lora_B.weight"));
    });
    assertThat(back.savedModules()).isEqualTo(adapter.savedModules());
    assertThat(back.checkAgainst(TINY, dir)).isSameAs(back);
  }

  @Test
  void causalLmWithRegexTargetsRoundTrips() throws Exception {
    Random rnd = new Random(SEED + 1);
    TargetModules targets = TargetModules.regex("transformer\\.h\\.[0-9]+\\.mlp\\.c_(fc|proj)");
    AdapterConfig config = AdapterConfig.gpt2(AdapterConfig.CAUSAL_LM, 4, 7.5, 0.0, targets, "gpt2", List.of());
    Map<String, LoraPair> lora = new LinkedHashMap<>();
    for (String m : targets.select(PeftAdapter.gpt2Modules(TINY).keySet())) {
      int[] inOut = PeftAdapter.gpt2Modules(TINY).get(m);
      lora.put(m, new LoraPair(random(m + ".lora_A.weight", rnd, 4, inOut[0]),
          random(m + ".lora_B.weight", rnd, inOut[1], 4)));
    }
    PeftAdapter adapter = new PeftAdapter(config, lora, Map.of());
    adapter.write(dir);

    JsonNode json = JSON.readTree(dir.resolve("adapter_config.json").toFile());
    assertThat(json.get("target_modules").asText()).isEqualTo("transformer\\.h\\.[0-9]+\\.mlp\\.c_(fc|proj)");
    assertThat(json.get("lora_alpha").doubleValue()).isEqualTo(7.5);
    assertThat(json.get("modules_to_save").isNull()).isTrue();
    PeftAdapter back = PeftAdapter.read(dir);
    assertThat(back.config()).isEqualTo(config);
    assertThat(back.lora()).hasSize(8);
    assertThat(back.config().scaling()).isEqualTo(7.5 / 4);
  }

  @Test
  void importRejectsWrongPrefixesAndAdapterNames() throws Exception {
    classificationAdapter(new Random(SEED)).write(dir);
    Path weights = dir.resolve("adapter_model.safetensors");
    Map<String, CheckpointTensor> good = Safetensors.read(weights);

    for (String wrong : List.of("base_model.transformer.h.0.attn.c_attn.lora_A.weight",
        "transformer.h.0.attn.c_attn.lora_A.weight")) {
      rewrite(weights, good, "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", wrong);
      assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
          .hasMessageStartingWith(weights.toString())
          .hasMessageContaining("'" + wrong + "' lacks the 'base_model.model.' prefix");
    }
    rewrite(weights, good, "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
        "base_model.model.transformer.h.0.attn.c_attn.lora_A.default.weight");
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("unexpected key").hasMessageContaining("adapter name 'default'");
    rewrite(weights, good, "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
        "base_model.model.transformer.h.0.attn.c_attn.lora_b.weight");
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("unexpected key 'base_model.model.transformer.h.0.attn.c_attn.lora_b.weight'");
  }

  @Test
  void importRejectsWrongShapesMissingFactorsAndUntargetedModules() throws Exception {
    classificationAdapter(new Random(SEED)).write(dir);
    Path weights = dir.resolve("adapter_model.safetensors");
    Map<String, CheckpointTensor> good = Safetensors.read(weights);

    Map<String, CheckpointTensor> m = new LinkedHashMap<>(good);
    String a0 = "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight";
    m.put(a0, CheckpointTensor.zeros(a0, 64, 8)); // transposed: [in, r] instead of [r, in]
    Safetensors.write(weights, m, Map.of("format", "pt"));
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("transformer.h.0.attn.c_attn").hasMessageContaining("r = 8")
        .hasMessageContaining("A [64, 8]");

    m = new LinkedHashMap<>(good);
    m.remove("base_model.model.transformer.h.2.attn.c_attn.lora_B.weight");
    Safetensors.write(weights, m, Map.of("format", "pt"));
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("transformer.h.2.attn.c_attn has lora_A but no lora_B");

    m = new LinkedHashMap<>(good);
    String a = "base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight";
    String b = "base_model.model.transformer.h.0.mlp.c_fc.lora_B.weight";
    m.put(a, CheckpointTensor.zeros(a, 8, 64));
    m.put(b, CheckpointTensor.zeros(b, 256, 8));
    Safetensors.write(weights, m, Map.of("format", "pt"));
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("transformer.h.0.mlp.c_fc does not match target_modules [c_attn]");

    // right keys but for another base model's width
    m = new LinkedHashMap<>(good);
    Safetensors.write(weights, m, Map.of("format", "pt"));
    Gpt2Config wider = Gpt2Config.of(50257, 256, 128, 4, 4);
    assertThatThrownBy(() -> PeftAdapter.read(dir).checkAgainst(wider, dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("in=64, out=192").hasMessageContaining("in=128, out=384");
  }

  @Test
  void importRejectsUnsupportedConfigs() throws Exception {
    classificationAdapter(new Random(SEED)).write(dir);
    Path cfg = dir.resolve("adapter_config.json");
    String json = Files.readString(cfg);
    Files.writeString(cfg, json.replace("\"use_dora\" : false", "\"use_dora\" : true"));
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(cfg.toString()).hasMessageContaining("use_dora");
    Files.writeString(cfg, json.replace("\"LORA\"", "\"IA3\""));
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("peft_type \"IA3\" is not supported");
    Files.writeString(cfg, json.replace("\"SEQ_CLS\"", "\"TOKEN_CLS\""));
    assertThatThrownBy(() -> PeftAdapter.read(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("task_type must be SEQ_CLS or CAUSAL_LM");
  }

  @Test
  void writeRefusesKeysPeftWouldIgnore() {
    Random rnd = new Random(SEED);
    AdapterConfig config = AdapterConfig.gpt2(AdapterConfig.SEQ_CLS, 8, 16, 0.05, TargetModules.names("c_attn"),
        "base", List.of("score"));
    LoraPair pair = new LoraPair(random("a", rnd, 8, 64), random("b", rnd, 192, 8));
    assertThatThrownBy(() -> new PeftAdapter(config, Map.of("transformer.h.0.mlp.c_fc", pair), Map.of()).write(dir))
        .hasMessageContaining("does not match target_modules");
    assertThatThrownBy(() -> new PeftAdapter(config, Map.of("base_model.model.transformer.h.0.attn.c_attn", pair),
        Map.of()).write(dir)).hasMessageContaining("module path like transformer.h.0.attn.c_attn");
    assertThatThrownBy(() -> new PeftAdapter(config, Map.of("transformer.h.0.attn.c_attn", pair),
        Map.of("classifier.weight", random("c", rnd, 2, 64))).write(dir))
        .hasMessageContaining("classifier.weight belongs to no module in modules_to_save [score]");
  }

  private static void rewrite(Path weights, Map<String, CheckpointTensor> good, String from, String to) throws Exception {
    Map<String, CheckpointTensor> m = new LinkedHashMap<>();
    good.forEach((k, v) -> m.put(k.equals(from) ? to : k, v));
    Safetensors.write(weights, m, Map.of("format", "pt"));
  }

  static PeftAdapter classificationAdapter(Random rnd) {
    AdapterConfig config = AdapterConfig.gpt2(AdapterConfig.SEQ_CLS, 8, 16, 0.05, TargetModules.names("c_attn"),
        "examples/text/tiny-gpt2-reuters", List.of("score"));
    Map<String, LoraPair> lora = new LinkedHashMap<>();
    for (String m : config.targetModules().select(PeftAdapter.gpt2Modules(TINY).keySet())) {
      lora.put(m, new LoraPair(random(m + ".lora_A.weight", rnd, 8, 64), random(m + ".lora_B.weight", rnd, 192, 8)));
    }
    return new PeftAdapter(config, lora, Map.of("score.weight", random("score.weight", rnd, 2, 64)));
  }

  private static CheckpointTensor random(String name, Random rnd, int... shape) {
    CheckpointTensor t = CheckpointTensor.zeros(name, shape);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = (float) rnd.nextGaussian();
    }
    return t;
  }
}
