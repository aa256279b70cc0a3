package io.cohort.format.peft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT's {@code target_modules} rule, which decides which modules get LoRA: a list of names
 * matches a module whose full name (e.g. {@code transformer.h.0.attn.c_attn}) equals a name or
 * ends with "." + name; a single string is a regular expression that must match the whole name
 * ({@code re.fullmatch}). Module names are relative to the base model, as in
 * {@code model.named_modules()}.
 */
public final class TargetModules {
  /** PEFT's default for GPT-2 when {@code target_modules} is not given. */
  public static final List<String> GPT2_DEFAULT = List.of("c_attn");

  /** PEFT's spelling of "every linear layer except the output head". */
  public static final String ALL_LINEAR = "all-linear";
  /** Characters that make a single target entry a regular expression (module names never contain them). */
  private static final Pattern REGEX_CHARS = Pattern.compile("[*+?\\[\\](){}|^$\\\\]");
  private static final TargetModules ALL = new TargetModules(null, null);

  private final List<String> names; // null when regex or all-linear
  private final Pattern regex; // null when names or all-linear

  private TargetModules(List<String> names, Pattern regex) {
    this.names = names;
    this.regex = regex;
  }

  /**
   * The rule a user's list of targets means: {@code ["all-linear"]} is every linear layer (the
   * engine's layers never include the output head, which PEFT also leaves out); a single entry with
   * regular-expression characters ({@code * + ? [ ] ( ) { } | ^ $ \}) is a regex matched against the
   * whole module name, as PEFT treats a string; otherwise names, as PEFT treats a list.
   */
  public static TargetModules of(List<String> targets) {
    if (targets.size() == 1 && targets.get(0).equals(ALL_LINEAR)) {
      return ALL;
    }
    if (targets.size() == 1 && REGEX_CHARS.matcher(targets.get(0)).find()) {
      return regex(targets.get(0));
    }
    return names(targets);
  }

  /** True for {@code all-linear}. */
  public boolean isAllLinear() {
    return names == null && regex == null;
  }

  /** A list of module names, each matched as the whole name or its last dot-separated parts. */
  public static TargetModules names(Collection<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("target_modules must name at least one module");
    }
    for (String n : names) {
      if (n == null || n.isEmpty()) {
        throw new IllegalArgumentException("target_modules has an empty name");
      }
    }
    return new TargetModules(List.copyOf(names), null);
  }

  public static TargetModules names(String... names) {
    return names(List.of(names));
  }

  /** A regular expression that must match a module's whole name. */
  public static TargetModules regex(String pattern) {
    if (pattern.equals(ALL_LINEAR)) {
      return ALL;
    }
    try {
      return new TargetModules(null, Pattern.compile(pattern));
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("target_modules regex " + pattern + " is invalid: " + e.getDescription());
    }
  }

  public boolean isRegex() {
    return regex != null || isAllLinear();
  }

  /** The names of a list rule; empty for a regex rule. */
  public List<String> nameList() {
    return names == null ? List.of() : names;
  }

  /** The pattern of a regex rule; null for a list rule. */
  public String pattern() {
    return isAllLinear() ? ALL_LINEAR : regex == null ? null : regex.pattern();
  }

  public boolean matches(String moduleName) {
    if (isAllLinear()) {
      return true;
    }
    if (regex != null) {
      return regex.matcher(moduleName).matches();
    }
    for (String n : names) {
      if (moduleName.equals(n) || moduleName.endsWith("." + n)) {
        return true;
      }
    }
    return false;
  }

  /** The module names that match, in the given order. */
  public List<String> select(Collection<String> moduleNames) {
    List<String> out = new ArrayList<>();
    for (String m : moduleNames) {
      if (matches(m)) {
        out.add(m);
      }
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TargetModules t && Objects.equals(names, t.names) && Objects.equals(pattern(), t.pattern());
  }

  @Override
  public int hashCode() {
    return Objects.hash(names, pattern());
  }

  @Override
  public String toString() {
    return regex != null ? "regex " + regex.pattern() : names.toString();
  }
}
