package io.cohort.format.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.format.checkpoint.Gpt2Config;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PEFT's {@code check_target_module_exists}: list = exact or ".name" suffix, string = re.fullmatch. */
class TargetModulesTest {
  private static final List<String> MODULES = List.copyOf(PeftAdapter.gpt2Modules(Gpt2Config.of(50, 8, 8, 2, 2)).keySet());

  @Test
  void listMatchesWholeNameOrDottedSuffix() {
    TargetModules t = TargetModules.names("c_attn");
    assertThat(t.select(MODULES)).containsExactly("transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn");
    assertThat(t.matches("c_attn")).isTrue();
    assertThat(t.matches("transformer.h.0.attn.xc_attn")).as("suffix must start at a dot").isFalse();
    assertThat(t.matches("transformer.h.0.attn.c_attn_2")).isFalse();
    assertThat(t.matches("transformer.h.0.attn.c_attn.lora_A")).isFalse();

    assertThat(TargetModules.names("c_proj").select(MODULES)).containsExactly("transformer.h.0.attn.c_proj",
        "transformer.h.0.mlp.c_proj", "transformer.h.1.attn.c_proj", "transformer.h.1.mlp.c_proj");
    assertThat(TargetModules.names("mlp.c_proj", "transformer.h.0.attn.c_attn").select(MODULES))
        .containsExactly("transformer.h.0.attn.c_attn", "transformer.h.0.mlp.c_proj", "transformer.h.1.mlp.c_proj");
  }

  @Test
  void stringIsAFullMatchRegex() {
    TargetModules t = TargetModules.regex(".*\\.h\\.1\\.attn\\.(c_attn|c_proj)");
    assertThat(t.select(MODULES)).containsExactly("transformer.h.1.attn.c_attn", "transformer.h.1.attn.c_proj");
    assertThat(TargetModules.regex("c_attn").select(MODULES)).as("a regex is not a suffix rule").isEmpty();
    assertThat(TargetModules.regex(".*c_at").select(MODULES)).as("must match the whole name").isEmpty();
    assertThat(t.isRegex()).isTrue();
    assertThat(t.nameList()).isEmpty();
  }

  @Test
  void rejectsWhatPeftWouldInterpretDifferently() {
    assertThatThrownBy(() -> TargetModules.regex("c_attn(")).hasMessageContaining("invalid");
    assertThatThrownBy(() -> TargetModules.names(List.of())).hasMessageContaining("at least one");
  }

  @Test
  void allLinearAndRegexFromAUserList() {
    List<String> llama = List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
        "model.layers.0.mlp.gate_proj", "model.layers.1.mlp.down_proj");
    assertThat(TargetModules.of(List.of("all-linear")).select(llama)).containsExactlyElementsOf(llama);
    assertThat(TargetModules.regex("all-linear").isAllLinear()).isTrue();
    assertThat(TargetModules.of(List.of("all-linear")).pattern()).isEqualTo("all-linear");
    assertThat(TargetModules.of(List.of("q_proj", "down_proj")).select(llama))
        .containsExactly("model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj");
    assertThat(TargetModules.of(List.of(".*\\.layers\\.0\\..*_proj")).select(llama))
        .containsExactly("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
            "model.layers.0.mlp.gate_proj");
    assertThat(TargetModules.of(List.of("self_attn.q_proj")).isRegex()).as("a dotted name is a name").isFalse();
  }
}
