package io.cohort.format.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.format.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A PEFT {@code LoraConfig} as {@code adapter_config.json} holds it. Only plain LoRA is
 * supported (no DoRA, rsLoRA, per-layer rank or alpha patterns), so the scaling is always
 * {@code loraAlpha / r}.
 *
 * @param taskType PEFT's task type: {@code SEQ_CLS} or {@code CAUSAL_LM}
 * @param targetModules which modules carry LoRA, by PEFT's rule
 * @param fanInFanOut true for GPT-2, whose Conv1D stores weights [in, out]
 * @param bias PEFT's bias mode; only {@code "none"} (biases are not trained)
 * @param baseModelNameOrPath the base model's hub id or path, as given by the user
 * @param modulesToSave modules trained in full and saved with the adapter, e.g. {@code score}
 */
public record AdapterConfig(
    String taskType,
    int r,
    double loraAlpha,
    double loraDropout,
    TargetModules targetModules,
    boolean fanInFanOut,
    String bias,
    String baseModelNameOrPath,
    List<String> modulesToSave) {

  public static final String FILE_NAME = "adapter_config.json";
  public static final String SEQ_CLS = "SEQ_CLS";
  public static final String CAUSAL_LM = "CAUSAL_LM";
  private static final Set<String> TASK_TYPES = Set.of(SEQ_CLS, CAUSAL_LM);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public AdapterConfig {
    if (!TASK_TYPES.contains(taskType)) {
      throw new IllegalArgumentException("task_type must be SEQ_CLS or CAUSAL_LM, got " + taskType);
    }
    if (r < 1) {
      throw new IllegalArgumentException("r (LoRA rank) must be >= 1, got " + r);
    }
    if (!(loraAlpha > 0) || Double.isInfinite(loraAlpha)) {
      throw new IllegalArgumentException("lora_alpha must be a finite number > 0, got " + loraAlpha);
    }
    if (!(loraDropout >= 0 && loraDropout < 1)) {
      throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + loraDropout);
    }
    if (!"none".equals(bias)) {
      throw new IllegalArgumentException("bias must be \"none\" (LoRA without trained biases), got " + bias);
    }
    java.util.Objects.requireNonNull(targetModules, "targetModules");
    modulesToSave = List.copyOf(modulesToSave);
  }

  /** GPT-2 LoRA with PEFT's defaults: fan_in_fan_out true, bias none. */
  public static AdapterConfig gpt2(String taskType, int r, double loraAlpha, double loraDropout,
      TargetModules targetModules, String baseModelNameOrPath, List<String> modulesToSave) {
    return new AdapterConfig(taskType, r, loraAlpha, loraDropout, targetModules, true, "none", baseModelNameOrPath,
        modulesToSave);
  }

  /** PEFT's LoRA scaling, alpha / r. */
  public double scaling() {
    return loraAlpha / r;
  }

  /** The JSON PEFT's {@code save_pretrained} writes for a plain LoRA adapter. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("alpha_pattern");
    o.putNull("auto_mapping");
    o.put("base_model_name_or_path", baseModelNameOrPath);
    o.put("bias", bias);
    o.put("fan_in_fan_out", fanInFanOut);
    o.put("inference_mode", true);
    o.put("init_lora_weights", true);
    o.putNull("layers_pattern");
    o.putNull("layers_to_transform");
    if (loraAlpha == Math.rint(loraAlpha) && Math.abs(loraAlpha) < 1e9) {
      o.put("lora_alpha", (long) loraAlpha);
    } else {
      o.put("lora_alpha", loraAlpha);
    }
    o.put("lora_dropout", loraDropout);
    if (modulesToSave.isEmpty()) {
      o.putNull("modules_to_save");
    } else {
      modulesToSave.forEach(o.putArray("modules_to_save")::add);
    }
    o.put("peft_type", "LORA");
    o.put("r", r);
    o.putObject("rank_pattern");
    o.putNull("revision");
    if (targetModules.isRegex()) {
      o.put("target_modules", targetModules.pattern());
    } else {
      targetModules.nameList().forEach(o.putArray("target_modules")::add);
    }
    o.put("task_type", taskType);
    o.put("use_dora", false);
    o.put("use_rslora", false);
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads {@code adapter_config.json}; refuses PEFT features this engine would silently get wrong. */
  public static AdapterConfig read(Path file) throws CheckpointException {
    JsonNode o;
    try {
      o = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "no such file; a PEFT adapter folder has adapter_config.json", e);
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new CheckpointException(file, "must be a JSON object");
    }
    String peftType = o.path("peft_type").asText("");
    if (!peftType.equals("LORA")) {
      throw new CheckpointException(file, "peft_type \"" + peftType + "\" is not supported; only LORA");
    }
    for (String flag : List.of("use_dora", "use_rslora")) {
      if (o.path(flag).asBoolean(false)) {
        throw new CheckpointException(file, "'" + flag + "': true is not supported; only plain LoRA");
      }
    }
    for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
      if (o.hasNonNull(pattern) && !o.get(pattern).isEmpty()) {
        throw new CheckpointException(file, "'" + pattern + "' is not supported; one rank and alpha for all modules");
      }
    }
    if (o.hasNonNull("layers_to_transform")) {
      throw new CheckpointException(file, "'layers_to_transform' is not supported; use target_modules");
    }
    JsonNode r = o.get("r");
    JsonNode alpha = o.get("lora_alpha");
    if (r == null || !r.canConvertToInt() || !r.isIntegralNumber()) {
      throw new CheckpointException(file, "'r' must be an integer LoRA rank, got " + r);
    }
    if (alpha == null || !alpha.isNumber()) {
      throw new CheckpointException(file, "'lora_alpha' must be a number, got " + alpha);
    }
    try {
      return new AdapterConfig(
          o.path("task_type").asText(""),
          r.intValue(),
          alpha.doubleValue(),
          o.path("lora_dropout").asDouble(0.0),
          targetModules(o.get("target_modules")),
          o.path("fan_in_fan_out").asBoolean(false),
          o.path("bias").asText("none"),
          o.path("base_model_name_or_path").isTextual() ? o.get("base_model_name_or_path").textValue() : null,
          stringList(o.get("modules_to_save")));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(file, e.getMessage());
    }
  }

  public void write(Path file) throws IOException {
    Files.writeString(file, toJson());
  }

  private static TargetModules targetModules(JsonNode n) {
    if (n == null || n.isNull()) {
      return TargetModules.names(TargetModules.GPT2_DEFAULT);
    }
    if (n.isTextual()) {
      return TargetModules.regex(n.textValue());
    }
    if (n.isArray()) {
      return TargetModules.names(stringList(n));
    }
    throw new IllegalArgumentException("target_modules must be a list of module names or a regex string, got " + n);
  }

  private static List<String> stringList(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw new IllegalArgumentException("expected a list of module names, got " + n);
    }
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException("expected module names as strings, got " + e);
      }
      out.add(e.textValue());
    }
    return out;
  }
}
