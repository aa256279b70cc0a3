package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.format.checkpoint.CheckpointDigest;
import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.DpOptimizer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LoraSpec;
import io.cohort.proto.v1.ModelSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TextSpec;
import io.cohort.proto.v1.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/** Test fixtures for text jobs: the shipped tiny GPT-2, short seeded JSONL records and job specs. */
public final class TextJobs {
  public static final Path MODEL = Path.of("..", "examples", "text", "tiny-gpt2-reuters");
  public static final String MODEL_NAME = "tiny-gpt2-reuters";
  private static final String[] GRAIN = {"wheat", "corn", "grain", "maize", "barley", "sorghum", "harvest", "tonnes"};
  private static final String[] OTHER = {"cocoa", "shares", "profit", "bank", "oil", "dollar", "merger", "rates"};
  private static final String[] FILLER = {"the", "said", "in", "of", "for", "a", "year", "market", "prices", "rose"};

  private TextJobs() {
  }

  public static String modelHash() throws Exception {
    return CheckpointDigest.of(MODEL);
  }

  /** {@code n} seeded records; label 1 texts use grain words, label 0 others. */
  public static Path classification(Path dir, String name, int n, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int label = i % 3 == 0 ? 1 : 0;
      String[] topic = label == 1 ? GRAIN : OTHER;
      StringBuilder text = new StringBuilder();
      for (int w = 0; w < 6 + r.nextInt(10); w++) {
        text.append(w % 2 == 0 ? topic[r.nextInt(topic.length)] : FILLER[r.nextInt(FILLER.length)]).append(' ');
      }
      sb.append("{\"text\": \"").append(text.toString().trim()).append("\", \"label\": ").append(label).append("}\n");
    }
    Path file = dir.resolve(name);
    Files.writeString(file, sb);
    return file;
  }

  /** A sequence-classification job on dataset "news" with the tiny model, max_length 32. */
  public static JobSpec.Builder seqCls(String jobId, String sha256, boolean freezeA) {
    return JobSpec.newBuilder().setJobId(jobId).setName(jobId).setTask(TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION)
        .setDatasetAlias("news").setRounds(2).setMinNodes(1).setSeed(42).setRoundTimeoutMs(60_000)
        .setModel(ModelSpec.newBuilder().setName(MODEL_NAME).setSha256(sha256))
        .setLora(LoraSpec.newBuilder().setR(4).setAlpha(8).setDropout(0).addTargetModules("c_attn")
            .setFreezeA(freezeA))
        .setText(TextSpec.newBuilder().setMaxLength(32).setPooling(Pooling.POOLING_MEAN).setNumLabels(2)
            .setWeightDecay(0.0))
        .setTraining(TrainingConfig.newBuilder().setLocalEpochs(1).setBatchSize(8).setLearningRate(0.01)
            .setValidationFraction(0.25));
  }

  /** DP-SGD with sigma given directly, 4 steps per round at q = 0.25. */
  public static PrivacySpec.Builder privacy(double sigma) {
    return PrivacySpec.newBuilder().setEnabled(true).setNoiseMultiplier(sigma).setClipNorm(1.0)
        .setSamplingRate(0.25).setLocalSteps(4).setAccountant(DpAccountant.DP_ACCOUNTANT_RDP)
        .setOptimizer(DpOptimizer.DP_OPTIMIZER_ADAM);
  }

  public static NodeConfig config(String nodeId, Path dir, Path data, Optional<Path> validation,
      Map<String, Path> models, Optional<NodeConfig.Budget> budget) {
    return config(nodeId, dir, data, validation, models, budget, 1);
  }

  /** A plaintext node on coordinator port {@code port} offering {@code data} as "news" (jsonl). */
  public static NodeConfig config(String nodeId, Path dir, Path data, Optional<Path> validation,
      Map<String, Path> models, Optional<NodeConfig.Budget> budget, int port) {
    return new NodeConfig(nodeId, "127.0.0.1", port, true,
        List.of(new NodeConfig.Dataset("news", data, "jsonl", validation, budget)), Duration.ofSeconds(5),
        Duration.ofSeconds(1), dir.resolve(nodeId + ".identity.key"), dir.resolve(nodeId + ".crt"),
        dir.resolve("ca.crt"), models);
  }

  public static NodeConfig config(String nodeId, Path dir, Path data) {
    return config(nodeId, dir, data, Optional.empty(), Map.of(MODEL_NAME, MODEL), Optional.empty());
  }
}
