package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmTrainerTest {
  @TempDir static Path dir;
  static Path data;
  static String hash;

  @BeforeAll
  static void writeData() throws Exception {
    data = TextJobs.classification(dir, "news.jsonl", 48, 11);
    hash = TextJobs.modelHash();
  }

  @Test
  void oneRound_trainsOnlyTheAdapterAndHead_andEvaluatesTheHeldOutSplit() throws Exception {
    LmTrainer trainer = new LmTrainer(TextJobs.config("n1", dir, data));
    JobSpec spec = TextJobs.seqCls("job-1", hash, true).build();
    assertThat(trainer.check(spec)).isEmpty();
    TensorBundle initial = trainer.initialParameters(spec);
    LocalTrainer.Outcome out = trainer.train(spec, 1, Optional.of(initial));
    assertThat(out.parameters().names()).isEqualTo(initial.names());
    assertThat(out.examples()).isEqualTo(36);
    assertThat(out.metrics()).containsKey("train_loss");
    Tensor b = out.parameters().get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight");
    assertThat(b.values()).isNotEqualTo(new float[b.size()]);
    EvaluationResult eval = trainer.evaluate(spec, out.parameters());
    assertThat(eval.getNumExamples()).isEqualTo(12);
    assertThat(eval.getPositiveScoreHistogramCount()).isEqualTo(PooledEvaluation.DEFAULT_BINS);
    long pos = eval.getPositiveScoreHistogramList().stream().mapToLong(Long::longValue).sum();
    long neg = eval.getNegativeScoreHistogramList().stream().mapToLong(Long::longValue).sum();
    assertThat(pos).isEqualTo(4);
    assertThat(neg).isEqualTo(8);
  }
}
