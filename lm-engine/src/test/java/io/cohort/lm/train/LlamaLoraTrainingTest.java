package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** LoRA fine-tuning of a tiny Llama-family checkpoint lowers the loss on held-out sequences. */
class LlamaLoraTrainingTest {
  private static final long SEED = 20261207L;

  @Test
  void loraOnAllLinearLayersLowersHeldOutLoss() throws Exception {
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(Path.of("..", "examples", "llama",
        "tiny-mistral")));
    // A small "language": 24 token ids with a deterministic successor rule, sequences from random starts.
    SplittableRandom rnd = new SplittableRandom(SEED);
    int[] alphabet = new int[24];
    for (int i = 0; i < alphabet.length; i++) {
      alphabet[i] = 100 + rnd.nextInt(30000);
    }
    List<int[]> train = sequences(rnd, alphabet, 48);
    List<int[]> heldOut = sequences(rnd, alphabet, 12);
    int pad = 0;
    double before = Evaluation.meanNll(model, heldOut, 8, pad)[0];
    LoraModel.attach(model, new LoraConfig(4, 8f, 0f, List.of("all-linear"), false, SEED), p -> true);
    Trainer trainer = new Trainer(model, new CausalLm(model), pad);
    trainer.train(train, null, new TrainOptions(6, 8, 1e-2, 0.0, SEED, null), s -> { });
    double after = Evaluation.meanNll(model, heldOut, 8, pad)[0];
    System.out.printf("held-out NLL %.4f -> %.4f (seed %d)%n", before, after, SEED);
    assertThat(after).as("held-out NLL after LoRA training (before %.4f, seed %d)", before, SEED)
        .isLessThan(before * 0.7);
  }

  private static List<int[]> sequences(SplittableRandom rnd, int[] alphabet, int n) {
    List<int[]> out = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      int[] seq = new int[16];
      int j = rnd.nextInt(alphabet.length);
      for (int i = 0; i < seq.length; i++) {
        seq[i] = alphabet[j];
        j = (j * 5 + 3) % alphabet.length;
      }
      out.add(seq);
    }
    return out;
  }
}
