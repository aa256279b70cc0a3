package io.cohort.client.lm.lora;

import java.util.List;
import java.util.function.Predicate;

/**
 * PEFT's rule for a list of target modules: a module path matches a target when it equals it or
 * ends with {@code "." + target} (so {@code c_proj} selects both attn.c_proj and mlp.c_proj).
 */
public final class TargetMatch {
  private TargetMatch() {
  }

  public static Predicate<String> of(List<String> targets) {
    List<String> copy = List.copyOf(targets);
    return path -> copy.stream().anyMatch(t -> path.equals(t) || path.endsWith("." + t));
  }
}
