package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.model.LlamaModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run is fitted to the heap before its first step: plain, with recomputation, or refused with the numbers. */
class TrainingMemoryTest {
  private static LlamaModel tinyModel() {
    LlamaConfig c = LlamaStepBenchmark.shape("tiny");
    LlamaModel m = LlamaStepBenchmark.randomModel(c, 1);
    LoraModel.attach(m, new LoraConfig(4, 8f, 0f, List.of("all-linear"), false, 2), p -> true);
    return m;
  }

  @Test
  void recomputationIsSwitchedOnOnlyWhenThePlainRunDoesNotFit() {
    LlamaModel m = tinyModel();
    Trainer t = new Trainer(m, new CausalLm(m), 0);
    long plain = m.trainingActivationBytes(8, 128, false);
    long recompute = m.trainingActivationBytes(8, 128, true);
    assertThat(recompute).as("recomputation keeps less, even with 2 layers").isLessThan(plain);

    TrainingMemory.Plan roomy = TrainingMemory.prepare(m, t.parameters(), 8, 128, false, 100L << 30);
    assertThat(roomy.recompute()).isFalse();
    assertThat(m.activationRecomputation()).isFalse();

    long between = (long) ((roomy.recomputeBytes() + (roomy.plainBytes() - roomy.recomputeBytes()) / 2)
        / TrainingMemory.USABLE);
    TrainingMemory.Plan tight = TrainingMemory.prepare(m, t.parameters(), 8, 128, false, between);
    assertThat(tight.recompute()).isTrue();
    assertThat(m.activationRecomputation()).isTrue();

    long tooSmall = roomy.recomputeBytes() / 4;
    assertThatThrownBy(() -> TrainingMemory.prepare(m, t.parameters(), 8, 128, false, tooSmall))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("training batches of 8 x 128 tokens need about")
        .hasMessageContaining("even with activation recomputation")
        .hasMessageContaining("lower the batch size or the maximum length");
  }

  @Test
  void dpPerExampleGradientsCountPerExampleOfTheBatch() {
    LlamaModel m = tinyModel();
    Trainer t = new Trainer(m, new CausalLm(m), 0);
    long params = t.parameters().stream().mapToLong(p -> p.value().length).sum();
    TrainingMemory.Plan plain = TrainingMemory.prepare(m, t.parameters(), 16, 64, false, 100L << 30);
    TrainingMemory.Plan dp = TrainingMemory.prepare(m, t.parameters(), 16, 64, true, 100L << 30);
    assertThat(dp.plainBytes() - plain.plainBytes()).isEqualTo(4L * 16 * params);
  }

  @Test
  void poissonBatchBoundCoversTheMeanWithMargin() {
    assertThat(Trainer.largestPoissonBatch(1000, 0.01)).isBetween(20, 25);
    assertThat(Trainer.largestPoissonBatch(10, 1.0)).isEqualTo(10);
  }
}
