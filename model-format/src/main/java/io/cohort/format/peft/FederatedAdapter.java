package io.cohort.format.peft;

import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.format.checkpoint.CheckpointTensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a federated job's global model into a PEFT adapter. The global model holds the trained
 * tensors under the keys of PEFT's {@code adapter_model.safetensors}; under FFA-LoRA
 * ({@code freeze_a}) the lora_A factors are not in it and are regenerated here exactly as every
 * node generated them: {@code new LoraInit(seed).nextA(r, in)} for each adapted module in model
 * order, filtered by the target-module rule. Model order is the engine's: for GPT-2 the layers in
 * order and within a layer attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj (Conv1D,
 * {@code fan_in_fan_out: true}); for the Llama family (Llama, Mistral, Qwen2, Qwen3) the layers in
 * order and within a layer self_attn.q_proj, k_proj, v_proj, o_proj, mlp.gate_proj, up_proj,
 * down_proj (nn.Linear, {@code fan_in_fan_out: false}). The family is told by the module paths
 * ({@code transformer.h.N...} or {@code model.layers.N...}).
 *
 * <p>A's input width comes from the base model's {@code config.json} when one is given
 * ({@link BaseModules#read}). Without it, widths are derived from the global model itself. GPT-2:
 * {@code n_embd} from any of c_attn's B (out = 3 n_embd), attn.c_proj's or mlp.c_proj's B (out =
 * n_embd) or the score head (columns = n_embd), and {@code n_inner} from mlp.c_fc's B. Llama:
 * the hidden size from o_proj's or down_proj's B or the score head, o_proj's input (heads x
 * head_dim) from q_proj's B, down_proj's input from gate_proj's or up_proj's B. Where a width
 * cannot be told, the error asks for the base config.
 */
public final class FederatedAdapter {
  private static final String A_SUFFIX = ".lora_A.weight";
  private static final String B_SUFFIX = ".lora_B.weight";

  /** The two layouts of adaptable linear layers the engine has. */
  enum Family {
    GPT2("GPT-2 Conv1D", "transformer.h.", Pattern.compile("transformer\\.h\\.(\\d+)\\.(attn\\.c_attn|attn\\.c_proj"
        + "|mlp\\.c_fc|mlp\\.c_proj)"), List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"), true),
    LLAMA("Llama-family nn.Linear", "model.layers.", Pattern.compile("model\\.layers\\.(\\d+)\\.(self_attn\\.q_proj"
        + "|self_attn\\.k_proj|self_attn\\.v_proj|self_attn\\.o_proj|mlp\\.gate_proj|mlp\\.up_proj|mlp\\.down_proj)"),
        List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
            "mlp.up_proj", "mlp.down_proj"), false);

    final String description;
    final String prefix;
    final Pattern module;
    final List<String> layerOrder;
    final boolean fanInFanOut;

    Family(String description, String prefix, Pattern module, List<String> layerOrder, boolean fanInFanOut) {
      this.description = description;
      this.prefix = prefix;
      this.module = module;
      this.layerOrder = layerOrder;
      this.fanInFanOut = fanInFanOut;
    }

    String example() {
      return prefix + "<i>." + String.join("|", layerOrder);
    }

    int layer(String m) {
      Matcher x = module.matcher(m);
      x.matches();
      return Integer.parseInt(x.group(1));
    }

    String kind(String m) {
      Matcher x = module.matcher(m);
      x.matches();
      return x.group(2);
    }
  }

  /**
   * The modules LoRA can adapt in a base model, by Hugging Face module path in model order, with
   * their [in, out] sizes; {@code where} names the config file for messages.
   */
  public record BaseModules(Map<String, int[]> modules, Path where) {
    public BaseModules {
      modules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    }

    public static BaseModules of(Gpt2Config c) {
      return new BaseModules(PeftAdapter.gpt2Modules(c), Path.of("config.json"));
    }

    /** The seven projections of every Llama-family layer. */
    public static BaseModules of(LlamaConfig c, Path where) {
      Map<String, int[]> m = new LinkedHashMap<>();
      int d = c.hiddenSize();
      int qw = c.numHeads() * c.headDim();
      int kvw = c.numKvHeads() * c.headDim();
      int in = c.intermediateSize();
      for (int i = 0; i < c.numLayers(); i++) {
        String p = "model.layers." + i + ".";
        m.put(p + "self_attn.q_proj", new int[] {d, qw});
        m.put(p + "self_attn.k_proj", new int[] {d, kvw});
        m.put(p + "self_attn.v_proj", new int[] {d, kvw});
        m.put(p + "self_attn.o_proj", new int[] {qw, d});
        m.put(p + "mlp.gate_proj", new int[] {d, in});
        m.put(p + "mlp.up_proj", new int[] {d, in});
        m.put(p + "mlp.down_proj", new int[] {in, d});
      }
      return new BaseModules(m, where);
    }

    /** Reads a checkpoint folder's config.json: the Llama family by model_type, else GPT-2. */
    public static BaseModules read(Path dir) throws CheckpointException {
      Path file = dir.resolve(LlamaConfig.FILE_NAME);
      if (LlamaConfig.isLlamaFamily(dir)) {
        return of(LlamaConfig.read(file), file);
      }
      return new BaseModules(PeftAdapter.gpt2Modules(Gpt2Config.read(dir.resolve(Gpt2Config.FILE_NAME))), file);
    }
  }

  private FederatedAdapter() {
  }

  /**
   * What a job says about its adapter.
   *
   * @param taskType {@link AdapterConfig#SEQ_CLS} or {@link AdapterConfig#CAUSAL_LM}
   * @param baseModel PEFT's base_model_name_or_path (the job's model name)
   * @param targetModules the job's rule: names, one regex, or {@code all-linear} ({@link TargetModules#of})
   * @param loraSeed {@code LoraInit.seedForJob(job seed)}
   */
  public record Settings(String taskType, String baseModel, int r, double alpha, double dropout,
      List<String> targetModules, boolean freezeA, long loraSeed) {
    public Settings {
      targetModules = List.copyOf(targetModules);
    }

    TargetModules rule() {
      return targetModules.isEmpty() ? TargetModules.names(TargetModules.GPT2_DEFAULT) : TargetModules.of(targetModules);
    }

    /**
     * The adapter_config.json of the exported adapter; all-linear is written, as PEFT's
     * save_pretrained does, as the names of the layers it selected.
     */
    AdapterConfig adapterConfig(Family family, List<String> modules) {
      List<String> save = taskType.equals(AdapterConfig.SEQ_CLS) ? List.of("score") : List.of();
      TargetModules rule = rule();
      if (rule.isAllLinear()) {
        Set<String> names = new TreeSet<>();
        modules.forEach(m -> names.add(m.substring(m.lastIndexOf('.') + 1)));
        rule = TargetModules.names(List.copyOf(names));
      }
      return new AdapterConfig(taskType, r, alpha, dropout, rule, family.fanInFanOut, "none", baseModel, save);
    }
  }

  /** Thrown when the global model does not fit the job's adapter settings; the message says why. */
  public static final class MismatchException extends Exception {
    private static final long serialVersionUID = 1L;

    public MismatchException(String message) {
      super(message);
    }
  }

  /**
   * As {@link #fromGlobalModelOn} with a GPT-2 base config.
   *
   * @param global the global model's tensors by PEFT key ({@code base_model.model.<module>.lora_B.weight}, ...)
   * @param base the base model's config, if available (needed only where widths cannot be derived)
   */
  public static PeftAdapter fromGlobalModel(Map<String, CheckpointTensor> global, Settings s, Optional<Gpt2Config> base)
      throws MismatchException {
    return fromGlobalModelOn(global, s, base.map(BaseModules::of));
  }

  /**
   * @param global the global model's tensors by PEFT key ({@code base_model.model.<module>.lora_B.weight}, ...)
   * @param base the base model's modules ({@link BaseModules#read}), if available: the exported
   *     modules are then checked against it, and widths never need deriving
   */
  public static PeftAdapter fromGlobalModelOn(Map<String, CheckpointTensor> global, Settings s, Optional<BaseModules> base)
      throws MismatchException {
    Map<String, CheckpointTensor> as = new LinkedHashMap<>();
    Map<String, CheckpointTensor> bs = new LinkedHashMap<>();
    Map<String, CheckpointTensor> saved = new LinkedHashMap<>();
    for (Map.Entry<String, CheckpointTensor> e : global.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(PeftAdapter.KEY_PREFIX)) {
        throw new MismatchException("global model tensor '" + key + "' is not a PEFT key (" + PeftAdapter.KEY_PREFIX
            + "...); is this a tabular job? Export it with --format bundle");
      }
      String path = key.substring(PeftAdapter.KEY_PREFIX.length());
      if (path.endsWith(A_SUFFIX)) {
        as.put(path.substring(0, path.length() - A_SUFFIX.length()), e.getValue());
      } else if (path.endsWith(B_SUFFIX)) {
        bs.put(path.substring(0, path.length() - B_SUFFIX.length()), e.getValue());
      } else if (path.equals("score.weight") || path.equals("score.bias")) {
        saved.put(path, e.getValue().withName(path));
      } else {
        throw new MismatchException("global model tensor '" + key + "' is neither a LoRA factor nor the score head");
      }
    }
    if (bs.isEmpty()) {
      throw new MismatchException("the global model holds no lora_B tensors");
    }
    Family family = family(bs.keySet().iterator().next());
    TargetModules rule = s.rule();
    List<String> modules = modulesInModelOrder(family, bs, rule, base);
    AdapterConfig config = s.adapterConfig(family, modules);
    if (s.freezeA() && !as.isEmpty()) {
      throw new MismatchException("the job freezes lora_A (FFA-LoRA) but the global model carries lora_A tensors");
    }
    if (!s.freezeA() && !as.keySet().equals(bs.keySet())) {
      throw new MismatchException("the job trains lora_A but the global model has lora_A for " + as.keySet()
          + " and lora_B for " + bs.keySet());
    }
    Dimensions dims = s.freezeA() ? Dimensions.of(family, bs, saved, base) : null;
    LoraInit init = new LoraInit(s.loraSeed());
    Map<String, LoraPair> pairs = new LinkedHashMap<>();
    for (String m : modules) {
      CheckpointTensor b = bs.get(m);
      if (b.rank() != 2 || b.shape()[1] != s.r()) {
        throw new MismatchException("lora_B of " + m + " has shape " + java.util.Arrays.toString(b.shape())
            + " but the job's rank r is " + s.r());
      }
      CheckpointTensor a;
      if (s.freezeA()) {
        int in = dims.in(m);
        a = new CheckpointTensor(m + A_SUFFIX, new int[] {s.r(), in}, init.nextA(s.r(), in));
      } else {
        a = as.get(m);
      }
      try {
        pairs.put(m, new LoraPair(a.withName(m + A_SUFFIX), b.withName(m + B_SUFFIX)));
      } catch (IllegalArgumentException bad) {
        throw new MismatchException("module " + m + ": " + bad.getMessage());
      }
    }
    if (config.taskType().equals(AdapterConfig.SEQ_CLS) && !saved.containsKey("score.weight")) {
      throw new MismatchException("a sequence-classification global model must hold "
          + PeftAdapter.KEY_PREFIX + "score.weight");
    }
    PeftAdapter adapter = new PeftAdapter(config, pairs, saved);
    if (base.isPresent()) {
      for (Map.Entry<String, LoraPair> e : pairs.entrySet()) {
        int[] inOut = base.get().modules().get(e.getKey());
        LoraPair p = e.getValue();
        if (p.inFeatures() != inOut[0] || p.outFeatures() != inOut[1]) {
          throw new MismatchException(base.get().where() + ": LoRA module " + e.getKey() + " is for in="
              + p.inFeatures() + ", out=" + p.outFeatures() + " but the base model's module has in=" + inOut[0]
              + ", out=" + inOut[1]);
        }
      }
    }
    return adapter;
  }

  private static Family family(String module) throws MismatchException {
    for (Family f : Family.values()) {
      if (f.module.matcher(module).matches()) {
        return f;
      }
    }
    throw new MismatchException("LoRA module '" + module + "' is neither a GPT-2 Conv1D module ("
        + Family.GPT2.example() + ") nor a Llama-family linear layer (" + Family.LLAMA.example() + ")");
  }

  /** The adapted modules in the engine's model order, checked against the target rule (and base). */
  private static List<String> modulesInModelOrder(Family family, Map<String, CheckpointTensor> bs, TargetModules rule,
      Optional<BaseModules> base) throws MismatchException {
    List<String> modules = new ArrayList<>();
    for (String m : bs.keySet()) {
      if (!family.module.matcher(m).matches()) {
        throw new MismatchException("LoRA module '" + m + "' is not a " + family.description + " module ("
            + family.example() + ")");
      }
      if (!rule.matches(m)) {
        throw new MismatchException("LoRA module '" + m + "' does not match the job's target_modules " + rule);
      }
      modules.add(m);
    }
    modules.sort(Comparator.comparingInt(family::layer).thenComparingInt(m -> family.layerOrder.indexOf(family.kind(m))));
    if (base.isPresent()) {
      List<String> expected = rule.select(base.get().modules().keySet());
      if (!expected.equals(modules)) {
        throw new MismatchException("the base model's modules matching target_modules are " + expected
            + " but the global model has LoRA for " + modules);
      }
    } else {
      // Without the base config, the layer count is what the global model shows: every layer up to
      // the highest must be present, or A would be drawn for the wrong modules.
      int layers = family.layer(modules.get(modules.size() - 1)) + 1;
      Set<String> kinds = new TreeSet<>();
      modules.forEach(m -> kinds.add(family.kind(m)));
      if (modules.size() != layers * kinds.size()) {
        throw new MismatchException("the global model's LoRA modules " + modules + " do not cover every layer for "
            + kinds + "; pass --base with the base model to check them");
      }
    }
    return modules;
  }

  /** Input widths of the adapted modules, from the base or derived from the global model. */
  private record Dimensions(Family family, Map<String, int[]> base, Map<String, Integer> widths) {
    static Dimensions of(Family family, Map<String, CheckpointTensor> bs, Map<String, CheckpointTensor> saved, Optional<BaseModules> base) {
      if (base.isPresent()) {
        return new Dimensions(family, base.get().modules(), Map.of());
      }
      // Width names: "hidden" (model width), "inner" (MLP), "attn" (Llama o_proj input: heads x head_dim).
      Map<String, Integer> w = new java.util.HashMap<>();
      for (Map.Entry<String, CheckpointTensor> e : bs.entrySet()) {
        int out = e.getValue().shape()[0];
        switch (family.kind(e.getKey())) {
          case "attn.c_attn" -> w.put("hidden", out / 3);
          case "attn.c_proj", "mlp.c_proj", "self_attn.o_proj", "mlp.down_proj" -> w.put("hidden", out);
          case "mlp.c_fc", "mlp.gate_proj", "mlp.up_proj" -> w.put("inner", out);
          case "self_attn.q_proj" -> w.put("attn", out);
          default -> { } // k_proj, v_proj: out is the KV width, which no input has
        }
      }
      CheckpointTensor score = saved.get("score.weight");
      if (!w.containsKey("hidden") && score != null && score.rank() == 2) {
        w.put("hidden", score.shape()[1]);
      }
      return new Dimensions(family, null, w);
    }

    int in(String module) throws MismatchException {
      if (base != null) {
        return base.get(module)[0];
      }
      String kind = family.kind(module);
      String width = switch (kind) {
        case "mlp.c_proj", "mlp.down_proj" -> "inner";
        case "self_attn.o_proj" -> "attn";
        default -> "hidden";
      };
      Integer in = widths.get(width);
      if (in == null || in <= 0) {
        String field = switch (width) {
          case "inner" -> family == Family.GPT2 ? "n_inner" : "intermediate_size";
          case "attn" -> "num_attention_heads x head_dim";
          default -> family == Family.GPT2 ? "n_embd" : "hidden_size";
        };
        throw new MismatchException("cannot tell the input width of " + module + " (" + field
            + ") from the global model; pass --base with the base model folder so its config.json gives it");
      }
      return in;
    }
  }
}
