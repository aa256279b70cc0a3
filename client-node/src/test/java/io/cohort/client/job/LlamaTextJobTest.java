package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.job.text.TextModel;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.format.checkpoint.CheckpointDigest;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.FederatedAdapter;
import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.train.TrainReport;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LoraSpec;
import io.cohort.proto.v1.ModelSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TextSpec;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A federated text job's node side on the Llama family: the job's model is loaded by
 * config.json's model_type, tokenised with its tokenizer.json, LoRA attached by the job's
 * target_modules (all-linear, a regex), and the adapters travel under PEFT's keys for these models
 * ({@code base_model.model.model.layers.N.self_attn.q_proj.lora_B.weight}); a non-private and a
 * DP-SGD round, evaluation, and the coordinator's export of the global model. Seeded data (seeds
 * in the record files' names); tiny-llama3 (causal LM) and tiny-qwen3 (classification).
 */
class LlamaTextJobTest {
  static final Path LLAMA3 = Path.of("..", "examples", "llama", "tiny-llama3");
  static final Path QWEN3 = Path.of("..", "examples", "llama", "tiny-qwen3");
  static final List<String> LLAMA_KINDS = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
      "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");
  @TempDir static Path dir;
  static Path data;
  static LmTrainer node1;
  static LmTrainer node2;
  static String llamaHash;
  static String qwenHash;

  @BeforeAll
  static void setUp() throws Exception {
    data = TextJobs.classification(dir, "news-seed11.jsonl", 40, 11);
    llamaHash = CheckpointDigest.of(LLAMA3);
    qwenHash = CheckpointDigest.of(QWEN3);
    Map<String, Path> models = Map.of("tiny-llama3", LLAMA3, "tiny-qwen3", QWEN3);
    node1 = new LmTrainer(TextJobs.config("n1", dir, data, Optional.empty(), models, Optional.empty()));
    node2 = new LmTrainer(TextJobs.config("n2", dir, TextJobs.classification(dir, "other-seed99.jsonl", 24, 99),
        Optional.empty(), models, Optional.empty()));
  }

  static JobSpec.Builder job(String id, String model, String sha, TaskType task, String targets, boolean freezeA) {
    return TextJobs.seqCls(id, sha, freezeA).setTask(task)
        .setModel(ModelSpec.newBuilder().setName(model).setSha256(sha))
        .setLora(LoraSpec.newBuilder().setR(4).setAlpha(8).setDropout(0).addTargetModules(targets).setFreezeA(freezeA))
        .setText(task == TaskType.TASK_TYPE_CAUSAL_LM ? TextSpec.newBuilder().setMaxLength(24).build()
            : TextSpec.newBuilder().setMaxLength(24).setPooling(Pooling.POOLING_MEAN).setNumLabels(2).build());
  }

  static List<String> modules(int layers, List<String> kinds) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      for (String k : kinds) {
        out.add("model.layers." + i + "." + k);
      }
    }
    return out;
  }

  private static String sha(TensorBundle b) {
    return HexFormat.of().formatHex(b.sha256());
  }

  private static Map<String, CheckpointTensor> tensors(TensorBundle b) {
    Map<String, CheckpointTensor> out = new LinkedHashMap<>();
    for (io.cohort.wire.Tensor t : b.tensors()) {
      out.put(t.name(), new CheckpointTensor(t.name(), Arrays.stream(t.shape()).mapToInt(Math::toIntExact).toArray(),
          t.values()));
    }
    return out;
  }

  private static FederatedAdapter.Settings settings(JobSpec spec) {
    return new FederatedAdapter.Settings(spec.getTask() == TaskType.TASK_TYPE_CAUSAL_LM ? AdapterConfig.CAUSAL_LM
        : AdapterConfig.SEQ_CLS, spec.getModel().getName(), spec.getLora().getR(), spec.getLora().getAlpha(),
        spec.getLora().getDropout(), spec.getLora().getTargetModulesList(), spec.getLora().getFreezeA(),
        LoraInit.seedForJob(spec.getSeed()));
  }

  @Test
  void causalLm_onTinyLlama3_allLinear_roundsTravelUnderPeftKeys_andExportRegeneratesTheNodesA() throws Exception {
    JobSpec spec = job("llama-lm", "tiny-llama3", llamaHash, TaskType.TASK_TYPE_CAUSAL_LM, "all-linear", true).build();
    TensorBundle initial = node1.initialParameters(spec);
    assertThat(sha(node2.initialParameters(spec))).as("round-0 model independent of local data").isEqualTo(sha(initial));
    List<String> expected = modules(2, LLAMA_KINDS).stream().map(PeftAdapter::loraBKey).toList();
    assertThat(initial.names()).containsExactlyElementsOf(expected);
    assertThat(expected.get(0)).isEqualTo("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
    assertThat(initial.get(expected.get(1)).shape()).as("k_proj B [kv heads x head_dim, r]").containsExactly(32, 4);
    assertThat(initial.get(expected.get(6)).shape()).as("down_proj B").containsExactly(64, 4);
    assertThat(initial.get(expected.get(0)).values()).containsOnly(0f);

    // tokenised with the folder's tokenizer.json (its post-processor adds no BOS), the model's
    // <|end_of_text|> appended; ids from the Llama 3 vocabulary, not GPT-2's 50,257
    List<int[]> validation = node1.prepare(spec).data().validation();
    assertThat(validation).isNotEmpty().allSatisfy(s -> assertThat(s[s.length - 1]).isEqualTo(128001));
    assertThat(validation.stream().flatMapToInt(Arrays::stream).max().getAsInt()).isGreaterThan(60_000);

    LocalTrainer.Outcome out = node1.train(spec, 1, Optional.of(initial));
    assertThat(out.parameters().names()).isEqualTo(initial.names());
    assertThat(out.metrics().get("train_loss")).isFinite().isPositive();
    for (String key : expected) {
      assertThat(out.parameters().get(key).values()).as("B changed: %s", key)
          .isNotEqualTo(new float[out.parameters().get(key).values().length]);
    }
    assertThat(sha(node1.train(spec, 1, Optional.of(initial)).parameters())).as("reproducible")
        .isEqualTo(sha(out.parameters()));

    EvaluationResult before = node1.evaluate(spec, initial);
    EvaluationResult after = node1.evaluate(spec, out.parameters());
    long predicted = validation.stream().mapToLong(s -> s.length - 1).sum();
    assertThat(after.getNumExamples()).isEqualTo(predicted).isEqualTo(before.getNumExamples()).isPositive();
    assertThat(after.getLossSum()).isFinite().isPositive().isNotEqualTo(before.getLossSum());

    // the coordinator's export (cohort job export / simulate): with and without the base config
    PeftAdapter withBase = FederatedAdapter.fromGlobalModelOn(tensors(out.parameters()), settings(spec),
        Optional.of(FederatedAdapter.BaseModules.read(LLAMA3)));
    PeftAdapter derived = FederatedAdapter.fromGlobalModelOn(tensors(out.parameters()), settings(spec),
        Optional.empty());
    assertThat(withBase.config().fanInFanOut()).isFalse();
    assertThat(withBase.config().targetModules().nameList())
        .containsExactlyInAnyOrder("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    TextModel m = node1.prepare(spec).model();
    assertThat(withBase.lora().keySet()).containsExactlyElementsOf(m.lora().modules().keySet());
    for (LoraModule module : m.lora().modules().values()) {
      assertThat(withBase.lora().get(module.path()).a().data()).as("lora_A of %s", module.path())
          .isEqualTo(module.loraA().value());
      assertThat(derived.lora().get(module.path()).a().data()).isEqualTo(module.loraA().value());
    }
    Path adapterDir = dir.resolve("llama-adapter");
    withBase.write(adapterDir);
    assertThat(Files.readString(adapterDir.resolve("adapter_config.json"))).contains("\"fan_in_fan_out\" : false");
    assertThat(PeftAdapter.read(adapterDir).lora()).containsKey("model.layers.1.mlp.down_proj");
  }

  @Test
  void causalLm_privateRound_runsThePlansSchedule_withFiniteTensors() throws Exception {
    JobSpec spec = job("llama-dp", "tiny-llama3", llamaHash, TaskType.TASK_TYPE_CAUSAL_LM, "q_proj", true)
        .setLora(LoraSpec.newBuilder().setR(2).setAlpha(4).addTargetModules("q_proj")
            .addTargetModules("v_proj").setFreezeA(true))
        .setPrivacy(TextJobs.privacy(1.1)).build();
    long rows = node1.trainingExamples(spec);
    DpPlan plan = DpPlanner.plan(spec, rows);
    TensorBundle initial = node1.initialParameters(spec);
    assertThat(initial.names()).containsExactlyElementsOf(modules(2, List.of("self_attn.q_proj", "self_attn.v_proj"))
        .stream().map(PeftAdapter::loraBKey).toList());
    LocalTrainer.Outcome out = node1.trainPrivately(spec, 1, Optional.of(initial), plan);
    TrainReport r = node1.lastPrivateRound();
    assertThat(r.steps()).isEqualTo(plan.stepsPerRound()).isEqualTo(4);
    assertThat(r.q()).isEqualTo(plan.samplingRate());
    assertThat(r.noiseMultiplier()).isEqualTo(1.1);
    assertThat(out.metrics()).isEmpty();
    for (io.cohort.wire.Tensor t : out.parameters().tensors()) {
      for (float v : t.values()) {
        assertThat(Float.isFinite(v)).as(t.name()).isTrue();
      }
    }
    assertThat(out.parameters().tensors().get(0).values()).isNotEqualTo(new float[64 * 2]);
  }

  @Test
  void sequenceClassification_onTinyQwen3_regexTargets_trainsAdapterAndHead_andExports() throws Exception {
    JobSpec spec = job("qwen-cls", "tiny-qwen3", qwenHash, TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION,
        ".*\\.(q_proj|o_proj)", true).build();
    TensorBundle initial = node1.initialParameters(spec);
    List<String> expected = new ArrayList<>(modules(2, List.of("self_attn.q_proj", "self_attn.o_proj")).stream()
        .map(PeftAdapter::loraBKey).toList());
    expected.addAll(List.of("base_model.model.score.weight", "base_model.model.score.bias"));
    assertThat(initial.names()).containsExactlyElementsOf(expected);
    assertThat(initial.get(expected.get(0)).shape()).as("q_proj B: 4 heads x head_dim 32").containsExactly(128, 4);
    assertThat(initial.get("base_model.model.score.weight").shape()).containsExactly(2, 64);

    LocalTrainer.Outcome out = node1.train(spec, 1, Optional.of(initial));
    long rows = node1.trainingExamples(spec);
    assertThat(out.examples()).isEqualTo(rows).isBetween(28L, 32L);
    assertThat(out.parameters().get("base_model.model.score.weight").values())
        .isNotEqualTo(initial.get("base_model.model.score.weight").values());
    EvaluationResult e = node1.evaluate(spec, out.parameters());
    assertThat(e.getNumExamples()).as("every record not trained on is held out").isEqualTo(40 - rows);
    assertThat(e.getLossSum()).isFinite().isPositive();

    // o_proj's input (heads x head_dim = 128) differs from hidden (64): derived from q_proj's B
    PeftAdapter derived = FederatedAdapter.fromGlobalModelOn(tensors(out.parameters()), settings(spec),
        Optional.empty());
    PeftAdapter withBase = FederatedAdapter.fromGlobalModelOn(tensors(out.parameters()), settings(spec),
        Optional.of(FederatedAdapter.BaseModules.read(QWEN3)));
    assertThat(withBase.lora().get("model.layers.0.self_attn.o_proj").a().shape()).containsExactly(4, 128);
    assertThat(withBase.config().targetModules().pattern()).isEqualTo(".*\\.(q_proj|o_proj)");
    TextModel m = node1.prepare(spec).model();
    for (LoraModule module : m.lora().modules().values()) {
      assertThat(derived.lora().get(module.path()).a().data()).as(module.path()).isEqualTo(module.loraA().value());
      assertThat(withBase.lora().get(module.path()).a().data()).as(module.path()).isEqualTo(module.loraA().value());
    }
    assertThat(withBase.savedModules()).containsKeys("score.weight", "score.bias");
  }

  @Test
  void check_declinesGpt2TargetsOnALlamaModel_inOneLineNamingTheLayers() {
    JobSpec spec = job("llama-c-attn", "tiny-llama3", llamaHash, TaskType.TASK_TYPE_CAUSAL_LM, "c_attn", true).build();
    LocalTrainer.Decline d = node1.check(spec).orElseThrow();
    // The node's own log gets the full line naming the layers; the coordinator only the model.
    assertThat(d.localDetail()).doesNotContain("\n").contains("tiny-llama3").contains("[c_attn]").contains("q_proj")
        .contains("down_proj");
    assertThat(d.publicReason()).doesNotContain("\n").contains("tiny-llama3");
  }

  /**
   * chat_sft on tiny-qwen3: the conversations rendered with the checkpoint's own chat template
   * (tokenizer_config.json, {@code <|im_start|>}/{@code <|im_end|>}), the assistant-only loss over
   * each answer and its {@code <|im_end|>}, one round that lowers the held-out assistant NLL, and
   * greedy answers counted on the held-out conversations.
   */
  @Test
  void chatSft_onTinyQwen3_usesItsOwnTemplate_andLowersAssistantNll() throws Exception {
    Path chats = ChatSftJobTest.conversations(dir.resolve("chats-seed7.jsonl"), 12, 7);
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, chats, Optional.empty(),
        Map.of("tiny-qwen3", QWEN3), Optional.empty()));
    JobSpec.Builder b = job("qwen-chat", "tiny-qwen3", qwenHash, TaskType.TASK_TYPE_CHAT_SFT, "all-linear", false);
    b.setText(TextSpec.newBuilder().setMaxLength(64));
    b.getTrainingBuilder().setLocalEpochs(3).setLearningRate(0.03);
    JobSpec spec = b.build();
    assertThat(node.check(spec)).isEmpty();
    TensorBundle initial = node.initialParameters(spec);
    EvaluationResult before = node.evaluate(spec, initial);
    assertThat(before.getNumAnswers()).as("12 conversations, a quarter held out").isEqualTo(3);
    // each held-out answer: its word's tokens plus <|im_end|>
    assertThat(before.getNumExamples()).isGreaterThanOrEqualTo(6);
    TensorBundle trained = node.train(spec, 1, Optional.of(initial)).parameters();
    EvaluationResult after = node.evaluate(spec, trained);
    assertThat(after.getNumExamples()).isEqualTo(before.getNumExamples());
    assertThat(after.getLossSum() / after.getNumExamples())
        .as("assistant NLL per token, before %.3f", before.getLossSum() / before.getNumExamples())
        .isLessThan(before.getLossSum() / before.getNumExamples() - 1.0);
    assertThat(after.getNumCorrect()).isBetween(0L, 3L);
  }
}
