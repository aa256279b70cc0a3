package io.cohort.format.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.CheckpointTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FederatedAdapterTest {
  private static final long SEED = 99L;
  private static final Gpt2Config SMALL = Gpt2Config.of(40, 16, 12, 3, 3);

  private static FederatedAdapter.Settings settings(List<String> targets, boolean freezeA) {
    return new FederatedAdapter.Settings(AdapterConfig.SEQ_CLS, "small", 4, 8, 0, targets, freezeA,
        LoraInit.seedForJob(42));
  }

  /** A global model as the nodes send it: B (and A unless frozen) per module, then the head; keys shuffled. */
  private static Map<String, CheckpointTensor> globalModel(List<String> targets, boolean withA, SplittableRandom r) {
    Map<String, CheckpointTensor> g = new LinkedHashMap<>();
    g.put("base_model.model.score.weight", new CheckpointTensor("s", new int[] {2, 12}, LoraMergeTest.random(r, 24)));
    g.put("base_model.model.score.bias", new CheckpointTensor("s", new int[] {2}, LoraMergeTest.random(r, 2)));
    List<Map.Entry<String, int[]>> modules = new java.util.ArrayList<>(PeftAdapter.gpt2Modules(SMALL).entrySet());
    java.util.Collections.reverse(modules); // the bundle's order must not matter
    for (Map.Entry<String, int[]> m : modules) {
      if (TargetModules.names(targets).matches(m.getKey())) {
        int[] io = m.getValue();
        g.put(PeftAdapter.loraBKey(m.getKey()), new CheckpointTensor("b", new int[] {io[1], 4}, LoraMergeTest.random(r, io[1] * 4)));
        if (withA) {
          g.put(PeftAdapter.loraAKey(m.getKey()), new CheckpointTensor("a", new int[] {4, io[0]}, LoraMergeTest.random(r, 4 * io[0])));
        }
      }
    }
    return g;
  }

  @Test
  void frozenA_isRegeneratedFromTheJobSeedInModelOrder_withOrWithoutTheBaseConfig() throws Exception {
    List<String> targets = List.of("c_attn", "c_fc", "mlp.c_proj");
    Map<String, CheckpointTensor> global = globalModel(targets, false, new SplittableRandom(SEED));
    PeftAdapter derived = FederatedAdapter.fromGlobalModel(global, settings(targets, true), Optional.empty());
    PeftAdapter fromBase = FederatedAdapter.fromGlobalModel(global, settings(targets, true), Optional.of(SMALL));

    LoraInit init = new LoraInit(LoraInit.seedForJob(42));
    List<String> expectedOrder = TargetModules.names(targets).select(PeftAdapter.gpt2Modules(SMALL).keySet());
    assertThat(derived.lora().keySet()).containsExactlyElementsOf(expectedOrder);
    for (String m : expectedOrder) {
      int in = PeftAdapter.gpt2Modules(SMALL).get(m)[0];
      float[] a = init.nextA(4, in);
      assertThat(derived.lora().get(m).a().data()).as(m).isEqualTo(a);
      assertThat(fromBase.lora().get(m).a().data()).as(m).isEqualTo(a);
      assertThat(derived.lora().get(m).b().data()).isSameAs(global.get(PeftAdapter.loraBKey(m)).data());
    }
    assertThat(derived.savedModules().keySet()).containsExactlyInAnyOrder("score.weight", "score.bias");
    assertThat(derived.config().modulesToSave()).containsExactly("score");
    assertThat(derived.config().baseModelNameOrPath()).isEqualTo("small");
    assertThat(derived.config().fanInFanOut()).isTrue();
  }

  @Test
  void trainedA_isTakenFromTheGlobalModel() throws Exception {
    Map<String, CheckpointTensor> global = globalModel(List.of("c_attn"), true, new SplittableRandom(SEED));
    PeftAdapter a = FederatedAdapter.fromGlobalModel(global, settings(List.of("c_attn"), false), Optional.empty());
    assertThat(a.lora().get("transformer.h.1.attn.c_attn").a().data())
        .isSameAs(global.get(PeftAdapter.loraAKey("transformer.h.1.attn.c_attn")).data());
  }

  @Test
  void onlyMlpProjWithFrozenA_needsTheBaseConfig() throws Exception {
    Map<String, CheckpointTensor> global = globalModel(List.of("mlp.c_proj"), false, new SplittableRandom(SEED));
    assertThatThrownBy(() -> FederatedAdapter.fromGlobalModel(global, settings(List.of("mlp.c_proj"), true),
        Optional.empty())).hasMessageContaining("n_inner").hasMessageContaining("--base");
    assertThat(FederatedAdapter.fromGlobalModel(global, settings(List.of("mlp.c_proj"), true), Optional.of(SMALL))
        .lora()).hasSize(3);
  }

  @Test
  void tabularOrMismatchedModels_areRefusedWithTheReason() {
    Map<String, CheckpointTensor> tabular = Map.of("layer0.weight", new CheckpointTensor("w", new int[] {2}, new float[2]));
    assertThatThrownBy(() -> FederatedAdapter.fromGlobalModel(tabular, settings(List.of("c_attn"), true),
        Optional.empty())).hasMessageContaining("--format bundle");
    Map<String, CheckpointTensor> global = globalModel(List.of("c_attn"), false, new SplittableRandom(SEED));
    assertThatThrownBy(() -> FederatedAdapter.fromGlobalModel(global, settings(List.of("c_fc"), true),
        Optional.empty())).hasMessageContaining("target_modules");
    global.remove(PeftAdapter.loraBKey("transformer.h.1.attn.c_attn"));
    assertThatThrownBy(() -> FederatedAdapter.fromGlobalModel(global, settings(List.of("c_attn"), true),
        Optional.empty())).hasMessageContaining("every layer");
  }

  /** A Llama-family base: hidden 12, 2 heads x head_dim 8 (o_proj's input 16), 1 KV head, MLP 20, 2 layers. */
  private static FederatedAdapter.BaseModules llamaBase(java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("config.json"), """
        {"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"], "hidden_size": 12,
         "intermediate_size": 20, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
         "head_dim": 8, "vocab_size": 50, "max_position_embeddings": 64, "hidden_act": "silu",
         "tie_word_embeddings": true, "rms_norm_eps": 1e-6, "rope_theta": 10000.0}
        """);
    return FederatedAdapter.BaseModules.read(dir);
  }

  @Test
  void llamaFamily_frozenA_regeneratedInLlamaModelOrder_allLinearWrittenAsNames_withOrWithoutBase(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    FederatedAdapter.BaseModules base = llamaBase(dir);
    List<String> kinds = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");
    assertThat(base.modules().keySet()).hasSize(14).startsWith("model.layers.0.self_attn.q_proj");
    assertThat(base.modules().get("model.layers.1.self_attn.o_proj")).containsExactly(16, 12);
    SplittableRandom r = new SplittableRandom(SEED);
    Map<String, CheckpointTensor> g = new LinkedHashMap<>();
    List<Map.Entry<String, int[]>> modules = new java.util.ArrayList<>(base.modules().entrySet());
    java.util.Collections.reverse(modules);
    for (Map.Entry<String, int[]> m : modules) {
      int out = m.getValue()[1];
      g.put(PeftAdapter.loraBKey(m.getKey()), new CheckpointTensor("b", new int[] {out, 4}, LoraMergeTest.random(r, out * 4)));
    }
    FederatedAdapter.Settings s = new FederatedAdapter.Settings(AdapterConfig.CAUSAL_LM, "tiny", 4, 8, 0,
        List.of("all-linear"), true, LoraInit.seedForJob(42));
    PeftAdapter withBase = FederatedAdapter.fromGlobalModelOn(g, s, Optional.of(base));
    PeftAdapter derived = FederatedAdapter.fromGlobalModelOn(g, s, Optional.empty());
    LoraInit init = new LoraInit(LoraInit.seedForJob(42));
    List<String> order = new java.util.ArrayList<>();
    for (int layer = 0; layer < 2; layer++) {
      for (String k : kinds) {
        String m = "model.layers." + layer + "." + k;
        order.add(m);
        float[] a = init.nextA(4, base.modules().get(m)[0]);
        assertThat(withBase.lora().get(m).a().data()).as("seed %d: A of %s", SEED, m).containsExactly(a);
        assertThat(derived.lora().get(m).a().data()).as("seed %d: derived A of %s", SEED, m).containsExactly(a);
      }
    }
    assertThat(withBase.lora().keySet()).containsExactlyElementsOf(order);
    assertThat(withBase.config().fanInFanOut()).isFalse();
    assertThat(withBase.config().targetModules().nameList())
        .containsExactly("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj");
    java.nio.file.Path out = dir.resolve("adapter");
    withBase.write(out);
    assertThat(PeftAdapter.read(out).lora().keySet()).containsExactlyElementsOf(order);

    // o_proj alone: its input (heads x head_dim) cannot be told from its B; the base config gives it
    Map<String, CheckpointTensor> oOnly = new LinkedHashMap<>();
    for (int layer = 0; layer < 2; layer++) {
      String key = PeftAdapter.loraBKey("model.layers." + layer + ".self_attn.o_proj");
      oOnly.put(key, g.get(key));
    }
    FederatedAdapter.Settings o = new FederatedAdapter.Settings(AdapterConfig.CAUSAL_LM, "tiny", 4, 8, 0,
        List.of("o_proj"), true, LoraInit.seedForJob(42));
    assertThatThrownBy(() -> FederatedAdapter.fromGlobalModelOn(oOnly, o, Optional.empty()))
        .hasMessageContaining("num_attention_heads x head_dim").hasMessageContaining("--base");
    assertThat(FederatedAdapter.fromGlobalModelOn(oOnly, o, Optional.of(base)).lora()
        .get("model.layers.0.self_attn.o_proj").a().shape()).containsExactly(4, 16);
    // a GPT-2 base does not fit a Llama global model
    assertThatThrownBy(() -> FederatedAdapter.fromGlobalModelOn(oOnly, o,
        Optional.of(FederatedAdapter.BaseModules.of(SMALL)))).hasMessageContaining("the base model's modules");
  }

  @Test
  void moduleOfNeitherFamily_isRefusedNamingBothLayouts() {
    Map<String, CheckpointTensor> g = Map.of(PeftAdapter.loraBKey("encoder.layer.0.attention.self.query"),
        new CheckpointTensor("b", new int[] {12, 4}, new float[48]));
    assertThatThrownBy(() -> FederatedAdapter.fromGlobalModelOn(g, settings(List.of("query"), true),
        Optional.empty())).hasMessageContaining("encoder.layer.0.attention.self.query")
        .hasMessageContaining("transformer.h.").hasMessageContaining("model.layers.");
  }
}
