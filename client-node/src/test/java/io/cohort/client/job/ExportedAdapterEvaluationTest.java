package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.job.text.TextModel;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.FederatedAdapter;
import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.LoraPair;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.lm.lora.LoraModule;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A text job's global model, exported through the coordinator's path (model-format's
 * {@link FederatedAdapter}, PEFT files on disk) and read back, gives the node's evaluation exactly
 * the result the global model itself gave, and its regenerated lora_A is the nodes' A.
 */
class ExportedAdapterEvaluationTest {
  @TempDir Path dir;

  @Test
  void exportedAdapter_reproducesTheNodesEvaluationExactly() throws Exception {
    JobSpec spec = TextJobs.seqCls("export-eval", TextJobs.modelHash(), true).build();
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, TextJobs.classification(dir, "news.jsonl", 40, 5)));
    TensorBundle global = node.train(spec, 1, Optional.empty()).parameters();
    EvaluationResult expected = node.evaluate(spec, global);

    Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
    for (Tensor t : global.tensors()) {
      tensors.put(t.name(), new CheckpointTensor(t.name(), Arrays.stream(t.shape()).mapToInt(Math::toIntExact).toArray(),
          t.values()));
    }
    FederatedAdapter.Settings settings = new FederatedAdapter.Settings(AdapterConfig.SEQ_CLS, spec.getModel().getName(),
        spec.getLora().getR(), spec.getLora().getAlpha(), spec.getLora().getDropout(),
        spec.getLora().getTargetModulesList(), true, LoraInit.seedForJob(spec.getSeed()));
    FederatedAdapter.fromGlobalModel(tensors, settings, Optional.empty()).write(dir.resolve("adapter"));
    PeftAdapter exported = PeftAdapter.read(dir.resolve("adapter"));

    TextModel fresh = TextModel.load(TextJobs.MODEL, spec, 0);
    for (LoraModule m : fresh.lora().modules().values()) {
      assertThat(exported.lora().get(m.path()).a().data()).as("lora_A of %s", m.path()).isEqualTo(m.loraA().value());
    }
    List<Tensor> back = new ArrayList<>();
    for (Tensor t : global.tensors()) {
      String path = t.name().substring(PeftAdapter.KEY_PREFIX.length());
      CheckpointTensor from = path.endsWith(".lora_B.weight")
          ? exported.lora().get(path.substring(0, path.length() - ".lora_B.weight".length())).b()
          : exported.savedModules().get(path);
      back.add(new Tensor(t.name(), t.shape().clone(), from.data().clone()));
    }
    EvaluationResult reloaded = node.evaluate(spec, new TensorBundle(back));
    assertThat(reloaded).isEqualTo(expected);
    assertThat(expected.getNumExamples()).isPositive();
    LoraPair first = exported.lora().values().iterator().next();
    assertThat(first.b().data()).isNotEqualTo(new float[first.b().size()]);
  }
}
