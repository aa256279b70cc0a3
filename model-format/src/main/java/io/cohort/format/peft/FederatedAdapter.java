package io.cohort.format.peft;

import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.checkpoint.Gpt2Config;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a federated job's global model into a PEFT adapter. The global model holds the trained
 * tensors under the keys of PEFT's {@code adapter_model.safetensors}; under FFA-LoRA
 * ({@code freeze_a}) the lora_A factors are not in it and are regenerated here exactly as every
 * node generated them: {@code new LoraInit(seed).nextA(r, in)} for each adapted module in model
 * order (GPT-2's layers in order, and within a layer attn.c_attn, attn.c_proj, mlp.c_fc,
 * mlp.c_proj, filtered by the target-module rule).
 *
 * <p>A's input width comes from the base model's {@code config.json} when one is given. Without
 * it, widths are derived from the global model itself: {@code n_embd} from any of c_attn's B
 * (out = 3 n_embd), attn.c_proj's or mlp.c_proj's B (out = n_embd) or the score head (columns =
 * n_embd), and {@code n_inner} from mlp.c_fc's B (out = n_inner). A job that adapts only
 * mlp.c_proj with A frozen needs the base config; the error says so.
 */
public final class FederatedAdapter {
  private static final Pattern MODULE = Pattern.compile("transformer\\.h\\.(\\d+)\\.(attn\\.c_attn|attn\\.c_proj|mlp\\.c_fc"
      + "|mlp\\.c_proj)");
  private static final List<String> LAYER_ORDER = List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");
  private static final String A_SUFFIX = ".lora_A.weight";
  private static final String B_SUFFIX = ".lora_B.weight";

  private FederatedAdapter() {
  }

  /**
   * What a job says about its adapter.
   *
   * @param taskType {@link AdapterConfig#SEQ_CLS} or {@link AdapterConfig#CAUSAL_LM}
   * @param baseModel PEFT's base_model_name_or_path (the job's model name)
   * @param loraSeed {@code LoraInit.seedForJob(job seed)}
   */
  public record Settings(String taskType, String baseModel, int r, double alpha, double dropout,
      List<String> targetModules, boolean freezeA, long loraSeed) {
    public Settings {
      targetModules = List.copyOf(targetModules);
    }

    AdapterConfig adapterConfig() {
      List<String> save = taskType.equals(AdapterConfig.SEQ_CLS) ? List.of("score") : List.of();
      List<String> targets = targetModules.isEmpty() ? TargetModules.GPT2_DEFAULT : targetModules;
      return AdapterConfig.gpt2(taskType, r, alpha, dropout, TargetModules.names(targets), baseModel, save);
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
   * @param global the global model's tensors by PEFT key ({@code base_model.model.<module>.lora_B.weight}, ...)
   * @param base the base model's config, if available (needed only where widths cannot be derived)
   */
  public static PeftAdapter fromGlobalModel(Map<String, CheckpointTensor> global, Settings s, Optional<Gpt2Config> base)
      throws MismatchException {
    AdapterConfig config = s.adapterConfig();
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
    List<String> modules = modulesInModelOrder(bs, config, base);
    if (s.freezeA() && !as.isEmpty()) {
      throw new MismatchException("the job freezes lora_A (FFA-LoRA) but the global model carries lora_A tensors");
    }
    if (!s.freezeA() && !as.keySet().equals(bs.keySet())) {
      throw new MismatchException("the job trains lora_A but the global model has lora_A for " + as.keySet()
          + " and lora_B for " + bs.keySet());
    }
    Dimensions dims = s.freezeA() ? Dimensions.of(bs, saved, base) : null;
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
      try {
        adapter.checkAgainst(base.get(), java.nio.file.Path.of("config.json"));
      } catch (CheckpointException e) {
        throw new MismatchException(e.getMessage());
      }
    }
    return adapter;
  }

  /** The adapted modules in the engine's model order, checked against the target rule (and base). */
  private static List<String> modulesInModelOrder(Map<String, CheckpointTensor> bs, AdapterConfig config,
      Optional<Gpt2Config> base) throws MismatchException {
    if (bs.isEmpty()) {
      throw new MismatchException("the global model holds no lora_B tensors");
    }
    List<String> modules = new ArrayList<>();
    for (String m : bs.keySet()) {
      if (!MODULE.matcher(m).matches()) {
        throw new MismatchException("LoRA module '" + m + "' is not a GPT-2 Conv1D module (transformer.h.<i>."
            + String.join("|", LAYER_ORDER) + ")");
      }
      if (!config.targetModules().matches(m)) {
        throw new MismatchException("LoRA module '" + m + "' does not match the job's target_modules "
            + config.targetModules());
      }
      modules.add(m);
    }
    modules.sort(Comparator.comparingInt((String m) -> layer(m)).thenComparingInt(m -> LAYER_ORDER.indexOf(kind(m))));
    if (base.isPresent()) {
      List<String> expected = config.targetModules().select(PeftAdapter.gpt2Modules(base.get()).keySet());
      if (!expected.equals(modules)) {
        throw new MismatchException("the base model's modules matching target_modules are " + expected
            + " but the global model has LoRA for " + modules);
      }
    } else {
      // Without the base config, the layer count is what the global model shows: every layer up to
      // the highest must be present, or A would be drawn for the wrong modules.
      int layers = layer(modules.get(modules.size() - 1)) + 1;
      java.util.Set<String> kinds = new java.util.TreeSet<>();
      modules.forEach(m -> kinds.add(kind(m)));
      if (modules.size() != layers * kinds.size()) {
        throw new MismatchException("the global model's LoRA modules " + modules + " do not cover every layer for "
            + kinds + "; pass --base with the base model to check them");
      }
    }
    return modules;
  }

  private static int layer(String module) {
    Matcher m = MODULE.matcher(module);
    m.matches();
    return Integer.parseInt(m.group(1));
  }

  private static String kind(String module) {
    Matcher m = MODULE.matcher(module);
    m.matches();
    return m.group(2);
  }

  /** Input widths of the adapted modules. */
  private record Dimensions(int nEmbd, int nInner) {
    static Dimensions of(Map<String, CheckpointTensor> bs, Map<String, CheckpointTensor> saved, Optional<Gpt2Config> base)
        throws MismatchException {
      if (base.isPresent()) {
        return new Dimensions(base.get().nEmbd(), base.get().nInner());
      }
      int embd = -1;
      int inner = -1;
      for (Map.Entry<String, CheckpointTensor> e : bs.entrySet()) {
        int out = e.getValue().shape()[0];
        switch (kind(e.getKey())) {
          case "attn.c_attn" -> embd = out / 3;
          case "attn.c_proj", "mlp.c_proj" -> embd = out;
          case "mlp.c_fc" -> inner = out;
          default -> throw new IllegalStateException(e.getKey());
        }
      }
      CheckpointTensor score = saved.get("score.weight");
      if (embd < 0 && score != null && score.rank() == 2) {
        embd = score.shape()[1];
      }
      return new Dimensions(embd, inner);
    }

    int in(String module) throws MismatchException {
      boolean needsInner = kind(module).equals("mlp.c_proj");
      int in = needsInner ? nInner : nEmbd;
      if (in <= 0) {
        throw new MismatchException("cannot tell the input width of " + module + " (n_" + (needsInner ? "inner" : "embd")
            + ") from the global model; pass --base with the base model folder so its config.json gives it");
      }
      return in;
    }
  }
}
