package io.cohort.lm.lora;

import java.util.List;

/**
 * LoRA settings with PEFT's meaning: rank {@code r}, scaling {@code alpha / r}, dropout on the
 * adapter's input, the target modules (PEFT's matching rule, see {@code TargetModules}), and
 * FFA-LoRA ({@code freezeA}: A is generated from {@code seed} and never trained, so every node
 * derives the same A and averaging B alone is exact averaging of B A).
 *
 * @param seed seeds A's Kaiming-uniform initialisation (training randomness, not a secret)
 */
public record LoraConfig(int r, float alpha, float dropout, List<String> targetModules, boolean freezeA, long seed) {
  public LoraConfig {
    if (r < 1) {
      throw new IllegalArgumentException("LoRA rank r must be >= 1, got " + r);
    }
    if (!(alpha > 0) || Float.isInfinite(alpha)) {
      throw new IllegalArgumentException("LoRA alpha must be a finite number > 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    if (targetModules == null || targetModules.isEmpty()) {
      throw new IllegalArgumentException("LoRA target modules must name at least one module");
    }
    targetModules = List.copyOf(targetModules);
  }

  public float scale() {
    return alpha / r;
  }
}
