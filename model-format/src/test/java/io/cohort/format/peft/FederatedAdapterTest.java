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
}
