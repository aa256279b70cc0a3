package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.text.TextModel;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.crypto.ledger.Spend;
import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.model.Parallel;
import io.cohort.lm.train.TrainReport;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LmTrainer on the shipped tiny GPT-2 with a few dozen short seeded records (max_length 32). The
 * trainers are shared between tests: loading the checkpoint is the slow part.
 */
class LmTrainerTest {
  private static final String B0 = "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight";
  @TempDir static Path dir;
  static Path data;
  static String hash;
  static LmTrainer node1;
  static LmTrainer node2;

  private static int threadsBefore;

  @BeforeAll
  static void setUp() throws Exception {
    // Bit-reproducibility is checked on one compute thread. With two threads, a second round on the
    // same trainer differs in the last bits from the first (a known, open defect, already at the
    // start of this work); the test used to pass only because an earlier test class in the same
    // JVM had left the engine on one thread. Pinning it here makes the check independent of order.
    threadsBefore = Parallel.threads();
    Parallel.setThreads(1);
    data = TextJobs.classification(dir, "news.jsonl", 48, 11);
    hash = TextJobs.modelHash();
    node1 = new LmTrainer(TextJobs.config("n1", dir, data));
    // another node with other records: the initial model must not depend on local data
    node2 = new LmTrainer(TextJobs.config("n2", dir, TextJobs.classification(dir, "other.jsonl", 30, 99)));
  }

  @AfterAll
  static void restoreThreads() {
    Parallel.setThreads(threadsBefore);
  }

  private static List<String> c_attn(String suffix) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String module = "transformer.h." + i + ".attn.c_attn";
      keys.add(suffix.equals("A") ? PeftAdapter.loraAKey(module) : PeftAdapter.loraBKey(module));
    }
    return keys;
  }

  private static String sha(TensorBundle b) {
    return HexFormat.of().formatHex(b.sha256());
  }

  @Test
  void initialParameters_areIdenticalOnEveryNode_andNamedAsPeftKeys() throws Exception {
    JobSpec ffa = TextJobs.seqCls("init-ffa", hash, true).build();
    TensorBundle a = node1.initialParameters(ffa);
    TensorBundle b = node2.initialParameters(ffa);
    assertThat(sha(a)).isEqualTo(sha(b));
    List<String> expected = new ArrayList<>(c_attn("B"));
    expected.addAll(List.of("base_model.model.score.weight", "base_model.model.score.bias"));
    assertThat(a.names()).containsExactlyElementsOf(expected);
    assertThat(a.get(B0).shape()).containsExactly(192, 4);
    assertThat(a.get(B0).values()).containsOnly(0f);
    assertThat(a.get("base_model.model.score.weight").shape()).containsExactly(2, 64);

    JobSpec full = TextJobs.seqCls("init-full", hash, false).build();
    TensorBundle c = node1.initialParameters(full);
    assertThat(sha(c)).isEqualTo(sha(node2.initialParameters(full)));
    List<String> withA = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      withA.add(c_attn("A").get(i));
      withA.add(c_attn("B").get(i));
    }
    withA.addAll(List.of("base_model.model.score.weight", "base_model.model.score.bias"));
    assertThat(c.names()).containsExactlyElementsOf(withA);
    // the head comes from the job seed alone: same job seed, same head
    assertThat(c.get("base_model.model.score.weight").values())
        .containsExactly(a.get("base_model.model.score.weight").values());
  }

  @Test
  void frozenA_isLoraInitsAFromTheJobSeed_andNeverChangesWhileTraining() throws Exception {
    JobSpec spec = TextJobs.seqCls("ffa-a", hash, true).build();
    TextModel m = node1.prepare(spec).model();
    LoraInit init = new LoraInit(LoraInit.seedForJob(spec.getSeed()));
    List<float[]> expected = new ArrayList<>();
    for (LoraModule module : m.lora().modules().values()) {
      float[] a = init.nextA(4, 64);
      expected.add(a);
      assertThat(module.loraA().value()).as(module.path()).containsExactly(a);
    }
    assertThat(expected).hasSize(4);
    node1.train(spec, 1, Optional.empty());
    int i = 0;
    for (LoraModule module : m.lora().modules().values()) {
      assertThat(module.loraA().value()).containsExactly(expected.get(i++));
    }
    // when A is trained, it travels, and starts from the same LoraInit values
    TensorBundle full = node1.initialParameters(TextJobs.seqCls("full-a", hash, false).build());
    assertThat(full.get(c_attn("A").get(0)).values()).containsExactly(expected.get(0));
  }

  @Test
  void oneRound_sendsOnlyTrainableTensors_withBChanged_andIsReproducible() throws Exception {
    JobSpec spec = TextJobs.seqCls("round", hash, true).build();
    TensorBundle initial = node1.initialParameters(spec);
    LocalTrainer.Outcome out = node1.train(spec, 1, Optional.of(initial));
    assertThat(out.parameters().names()).isEqualTo(initial.names());
    assertThat(out.parameters().names()).noneMatch(n -> n.contains("lora_A"));
    assertThat(out.examples()).isEqualTo(36);
    assertThat(out.metrics()).containsOnlyKeys("train_loss");
    assertThat(out.metrics().get("train_loss")).isFinite().isPositive();
    assertThat(out.parameters().get(B0).values()).isNotEqualTo(new float[192 * 4]);
    // the same job, node and round trains to the same bits, also on a fresh trainer
    LmTrainer again = new LmTrainer(TextJobs.config("n1", dir, data));
    assertThat(sha(again.train(spec, 1, Optional.of(initial)).parameters())).isEqualTo(sha(out.parameters()));
    assertThat(sha(node1.train(spec, 1, Optional.empty()).parameters())).isEqualTo(sha(out.parameters()));
    assertThat(sha(node1.train(spec, 2, Optional.of(initial)).parameters())).isNotEqualTo(sha(out.parameters()));
  }

  @Test
  void trainPrivately_runsExactlyThePlansSchedule_andEveryTensorIsFinite() throws Exception {
    JobSpec spec = TextJobs.seqCls("dp", hash, true).setPrivacy(TextJobs.privacy(1.1)).build();
    long rows = node1.trainingExamples(spec);
    assertThat(rows).isEqualTo(36);
    DpPlan plan = DpPlanner.plan(spec, rows);
    TensorBundle initial = node1.initialParameters(spec);
    LocalTrainer.Outcome out = node1.trainPrivately(spec, 1, Optional.of(initial), plan);
    TrainReport r = node1.lastPrivateRound();
    Spend spend = plan.round(spec.getJobId(), 1);
    assertThat(r.steps()).isEqualTo(plan.stepsPerRound()).isEqualTo(4);
    assertThat(r.q()).isEqualTo(plan.samplingRate()).isEqualTo(0.25);
    assertThat(r.noiseMultiplier()).isEqualTo(plan.noiseMultiplier()).isEqualTo(1.1);
    assertThat(r.clipNorm()).isEqualTo(plan.clipNorm());
    assertThat(spend.segment().steps()).isEqualTo(r.steps());
    assertThat(spend.segment().samplingProbability()).isEqualTo(r.q());
    assertThat(spend.segment().noiseMultiplier()).isEqualTo(r.noiseMultiplier());
    assertThat(out.metrics()).isEmpty();
    assertThat(out.parameters().names()).isEqualTo(initial.names());
    for (Tensor t : out.parameters().tensors()) {
      for (float v : t.values()) {
        assertThat(Float.isFinite(v)).as(t.name()).isTrue();
      }
    }
    assertThat(out.parameters().get(B0).values()).isNotEqualTo(new float[192 * 4]);
  }

  /**
   * Distributed DP (issue 19 #1) for text: at q = 1 every training record gives one vector of the
   * bundle's size (adapters then head), each of norm at most C; with a small C each is the
   * unclipped gradient (C huge) scaled onto the sphere of radius C, so clipping is per record over
   * all tensors together. Batches of 8 records (training.batch_size) give the same vectors as one
   * pass. Other text tasks are refused by name.
   */
  @Test
  void clippedUnitGradients_oneClippedVectorPerRecord_inBundleOrder() throws Exception {
    JobSpec spec = TextJobs.seqCls("ddp-text", hash, true).build();
    TensorBundle initial = node1.initialParameters(spec);
    long d = 0;
    for (Tensor t : initial.tensors()) {
      d += t.size();
    }
    List<float[]> raw = node1.clippedUnitGradients(spec, initial, 1.0, 1e6);
    List<float[]> clipped = node1.clippedUnitGradients(spec, initial, 1.0, 1e-3);
    assertThat(raw).hasSize(36);
    assertThat(clipped).hasSize(36);
    for (int i = 0; i < raw.size(); i++) {
      assertThat(raw.get(i)).hasSize((int) d);
      double nr = norm(raw.get(i));
      double nc = norm(clipped.get(i));
      assertThat(nr).as("record " + i).isGreaterThan(1e-3).isLessThan(1e6);
      assertThat(nc).as("record " + i).isCloseTo(1e-3, org.assertj.core.api.Assertions.within(1e-6));
      double dot = 0;
      for (int k = 0; k < d; k++) {
        dot += (double) raw.get(i)[k] * clipped.get(i)[k];
      }
      assertThat(dot / (nr * nc)).as("record " + i + ": same direction").isGreaterThan(0.9999);
    }
    // The head (the bundle's last tensors) and the adapters' B both carry gradient.
    assertThat(norm(java.util.Arrays.copyOfRange(raw.get(0), 0, initial.tensors().get(0).values().length)))
        .isPositive();
    JobSpec oneBatch = spec.toBuilder().setJobId("ddp-text-one-batch")
        .setTraining(spec.getTraining().toBuilder().setBatchSize(64)).build();
    List<float[]> whole = node1.clippedUnitGradients(oneBatch, initial, 1.0, 1e6);
    for (int i = 0; i < raw.size(); i++) {
      for (int k = 0; k < d; k += 97) {
        assertThat(whole.get(i)[k]).as("record " + i + " coordinate " + k)
            .isCloseTo(raw.get(i)[k], org.assertj.core.api.Assertions.within(1e-4f * (1 + Math.abs(raw.get(i)[k]))));
      }
    }
    JobSpec lm = TextJobs.seqCls("ddp-lm", hash, true).setTask(TaskType.TASK_TYPE_CAUSAL_LM).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> node1.clippedUnitGradients(lm, initial, 1.0, 1.0))
        .hasMessageContaining("sequence_classification only, not causal_lm");
  }

  /** The L2 norm of {@code v}, in double. */
  static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  @Test
  void evaluate_countsEveryHeldOutRecordOnce() throws Exception {
    JobSpec spec = TextJobs.seqCls("eval", hash, true).build();
    TensorBundle model = node1.train(spec, 1, Optional.empty()).parameters();
    EvaluationResult e = node1.evaluate(spec, model);
    assertThat(e.getNumExamples()).isEqualTo(12);
    assertThat(e.getPositiveScoreHistogramCount()).isEqualTo(PooledEvaluation.DEFAULT_BINS);
    assertThat(e.getNegativeScoreHistogramCount()).isEqualTo(PooledEvaluation.DEFAULT_BINS);
    assertThat(sum(e.getPositiveScoreHistogramList())).isEqualTo(4);
    assertThat(sum(e.getNegativeScoreHistogramList())).isEqualTo(8);
    assertThat(e.getNumCorrect()).isBetween(0L, 12L);
    assertThat(e.getLossSum()).isFinite().isPositive();
    assertThat(node1.evaluate(spec, model)).isEqualTo(e);

    // a validation file is evaluated whole, and every record of the training file trains
    Path val = TextJobs.classification(dir, "val.jsonl", 10, 5);
    LmTrainer withFile = new LmTrainer(TextJobs.config("n3", dir, data, Optional.of(val),
        Map.of(TextJobs.MODEL_NAME, TextJobs.MODEL), Optional.empty()));
    assertThat(withFile.trainingExamples(spec)).isEqualTo(48);
    EvaluationResult f = withFile.evaluate(spec, model);
    assertThat(f.getNumExamples()).isEqualTo(10);
    assertThat(sum(f.getPositiveScoreHistogramList())).isEqualTo(4);
  }

  @Test
  void causalLm_trainsTheAdapterOnly_andEvaluatesSummedTokenNll() throws Exception {
    JobSpec spec = TextJobs.seqCls("lm", hash, true).setTask(TaskType.TASK_TYPE_CAUSAL_LM).build();
    TensorBundle initial = node1.initialParameters(spec);
    assertThat(initial.names()).containsExactlyElementsOf(c_attn("B"));
    LocalTrainer.Outcome out = node1.train(spec, 1, Optional.of(initial));
    assertThat(out.parameters().get(B0).values()).isNotEqualTo(new float[192 * 4]);
    EvaluationResult e = node1.evaluate(spec, out.parameters());
    long predicted = 0;
    for (int[] s : node1.prepare(spec).data().validation()) {
      predicted += s.length - 1;
    }
    assertThat(e.getNumExamples()).isEqualTo(predicted).isPositive();
    assertThat(e.getLossSum() / e.getNumExamples()).isBetween(0.5, 20.0);
    assertThat(e.getPositiveScoreHistogramCount()).isZero();
  }

  @Test
  void check_declinesAnotherCheckpoint_namingBothHashes() {
    String wrong = "0".repeat(64);
    assertThat(node1.check(TextJobs.seqCls("wrong-hash", wrong, true).build()).map(LocalTrainer.Decline::localDetail)).hasValueSatisfying(m ->
        assertThat(m).contains("tiny-gpt2-reuters").contains(hash).contains(wrong));
  }

  @Test
  void check_declinesAModelThisNodeDoesNotHave() {
    JobSpec spec = TextJobs.seqCls("no-model", hash, true)
        .setModel(TextJobs.seqCls("x", hash, true).getModel().toBuilder().setName("gpt2-xl")).build();
    assertThat(node1.check(spec).map(LocalTrainer.Decline::localDetail)).hasValue(
        "model 'gpt2-xl' is not configured on this node (node.yaml models: tiny-gpt2-reuters)");
    JobSpec noBatch = TextJobs.seqCls("no-batch", hash, true)
        .setTraining(TextJobs.seqCls("x", hash, true).getTraining().toBuilder().setBatchSize(0)).build();
    assertThat(node1.check(noBatch).map(LocalTrainer.Decline::localDetail)).hasValue("the job's training block is invalid: batch size must be >= 1, got 0");
  }

  @Test
  void check_declinesBadDataNamingFileAndLine() throws Exception {
    Path bad = dir.resolve("bad-label.jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(data));
    lines.set(6, "{\"text\": \"wheat\", \"label\": 2}");
    Files.write(bad, lines);
    assertThat(new LmTrainer(TextJobs.config("b1", dir, bad)).check(TextJobs.seqCls("bad", hash, true).build()).map(LocalTrainer.Decline::localDetail))
        .hasValueSatisfying(m -> assertThat(m).contains("bad-label.jsonl:7").contains("label 2")
            .contains("num_labels = 2"));
    // Issue 22 #11: what goes to the coordinator names alias, line and kind, not the label or path.
    assertThat(new LmTrainer(TextJobs.config("b1", dir, bad)).check(TextJobs.seqCls("bad", hash, true).build())
        .map(LocalTrainer.Decline::publicReason))
        .hasValue("dataset 'news' line 7: label is outside the job's labels 0..1 (text.num_labels = 2)");
    Path notJson = dir.resolve("not-json.jsonl");
    lines.set(6, "{\"text\": ");
    Files.write(notJson, lines);
    assertThat(new LmTrainer(TextJobs.config("b2", dir, notJson)).check(TextJobs.seqCls("bad", hash, true).build()).map(LocalTrainer.Decline::localDetail))
        .hasValueSatisfying(m -> assertThat(m).contains("not-json.jsonl:7").contains("not valid JSON"));
    NodeConfig csv = new NodeConfig("b3", "h", 1, true, List.of(new NodeConfig.Dataset("news", data, "csv",
        Optional.empty())), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), dir.resolve("k"),
        dir.resolve("c"), dir.resolve("ca"), Map.of(TextJobs.MODEL_NAME, TextJobs.MODEL));
    assertThat(new LmTrainer(csv).check(TextJobs.seqCls("csv", hash, true).build()).map(LocalTrainer.Decline::localDetail))
        .hasValue("dataset 'news' has format csv; language-model jobs need format: jsonl");
  }

  @Test
  void trainerByTask_sendsEachJobToItsTrainer() throws Exception {
    TrainerByTask both = new TrainerByTask(Map.of(TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION, node1));
    JobSpec spec = TextJobs.seqCls("init-ffa", hash, true).build();
    assertThat(sha(both.initialParameters(spec))).isEqualTo(sha(node1.initialParameters(spec)));
    assertThat(both.check(spec.toBuilder().setTask(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION).build()).map(LocalTrainer.Decline::localDetail))
        .hasValueSatisfying(m -> assertThat(m).contains("cannot train TASK_TYPE_TABULAR_CLASSIFICATION"));
  }

  private static long sum(List<Long> counts) {
    return counts.stream().mapToLong(Long::longValue).sum();
  }
}
