package io.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.format.checkpoint.CheckpointDigest;
import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.FederatedAdapter;
import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.MergedCheckpoint;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.wire.TaskKinds;
import io.cohort.wire.TensorBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a text job's global model as a PEFT adapter folder or as a merged Hugging Face
 * checkpoint, with model-format's code (the same the nodes' engine uses). Beside the adapter it
 * writes {@code cohort_training.json} with what PEFT has no field for (pooling, max length,
 * labels), so that {@code cohort-node eval --adapter} evaluates it as the job did.
 */
public final class AdapterExport {
  static final String TRAINING_FILE = "cohort_training.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AdapterExport() {
  }

  static FederatedAdapter.Settings settings(JobSpec spec) {
    // Chat SFT trains the LM head's next-token predictions too: PEFT's CAUSAL_LM.
    String taskType = TaskKinds.isNextToken(spec.getTask()) ? AdapterConfig.CAUSAL_LM : AdapterConfig.SEQ_CLS;
    return new FederatedAdapter.Settings(taskType, spec.getModel().getName(), spec.getLora().getR(),
        spec.getLora().getAlpha(), spec.getLora().getDropout(), spec.getLora().getTargetModulesList(),
        spec.getLora().getFreezeA(), LoraInit.seedForJob(spec.getSeed()));
  }

  /** The job's adapter from its global model; {@code base} (a checkpoint folder) supplies widths if needed. */
  public static PeftAdapter adapter(JobSpec spec, TensorBundle global, Optional<Path> base) throws CliException {
    Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
    for (io.cohort.wire.Tensor t : global.tensors()) {
      int[] shape = new int[t.shape().length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = Math.toIntExact(t.shape()[i]);
      }
      tensors.put(t.name(), new CheckpointTensor(t.name(), shape, t.values()));
    }
    Optional<FederatedAdapter.BaseModules> modules = Optional.empty();
    if (base.isPresent()) {
      try {
        // GPT-2 or the Llama family (Llama, Mistral, Qwen2, Qwen3), by config.json's model_type.
        modules = Optional.of(FederatedAdapter.BaseModules.read(base.get()));
      } catch (CheckpointException e) {
        throw new CliException(CliException.USAGE, "--base: " + e.getMessage());
      }
    }
    try {
      return FederatedAdapter.fromGlobalModelOn(tensors, settings(spec), modules);
    } catch (FederatedAdapter.MismatchException e) {
      throw new CliException(CliException.INTEGRITY, "job " + spec.getJobId() + ": " + e.getMessage());
    }
  }

  /** Checks that {@code base} is the job's base model by its content hash. */
  static void checkBase(JobSpec spec, Path base) throws CliException {
    String got;
    try {
      got = CheckpointDigest.of(base);
    } catch (CheckpointException e) {
      throw new CliException(CliException.USAGE, "--base: " + e.getMessage());
    }
    if (!got.equals(spec.getModel().getSha256())) {
      throw new CliException(CliException.USAGE, "--base " + base + " has content hash " + got + " but job "
          + spec.getJobId() + " was trained on model '" + spec.getModel().getName() + "' with hash "
          + spec.getModel().getSha256() + "; pass that model's folder");
    }
  }

  public static void writePeft(JobSpec spec, PeftAdapter adapter, Path dir) throws IOException {
    adapter.write(dir);
    ObjectNode t = JSON.createObjectNode();
    t.put("source", "cohort job export").put("job_id", spec.getJobId());
    t.put("task", switch (spec.getTask()) {
      case TASK_TYPE_CAUSAL_LM -> "causal-lm";
      case TASK_TYPE_CHAT_SFT -> "chat-sft";
      default -> "seq-cls";
    });
    t.put("pooling", spec.getText().getPooling() == Pooling.POOLING_LAST_TOKEN ? "last" : "mean");
    t.put("max_length", spec.getText().getMaxLength()).put("num_labels", spec.getText().getNumLabels());
    t.put("freeze_a", spec.getLora().getFreezeA()).put("seed", spec.getSeed());
    Files.writeString(dir.resolve(TRAINING_FILE), JSON.writeValueAsString(t) + "\n");
  }

  static void writeMerged(Path base, PeftAdapter adapter, Path dir) throws CliException, IOException {
    try {
      MergedCheckpoint.write(base, adapter, dir);
    } catch (CheckpointException | IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--base: " + e.getMessage());
    }
  }
}
