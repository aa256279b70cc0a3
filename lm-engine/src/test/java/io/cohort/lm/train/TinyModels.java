package io.cohort.lm.train;

import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Gpt2Shape;
import java.util.List;
import java.util.SplittableRandom;

/** Small random GPT-2 models and batches for fast gradient tests. */
final class TinyModels {
  static final Gpt2Shape SHAPE = new Gpt2Shape(41, 16, 16, 2, 2, 1e-5f);

  private TinyModels() {
  }

  static Gpt2Model model(long seed) {
    return Gpt2Model.random(SHAPE, seed, true);
  }

  /** LoRA on every GPT-2 linear layer, with B made non-zero so that A's gradient is too. */
  static LoraModel lora(Gpt2Model model, long seed, boolean freezeA, float dropout) {
    LoraConfig cfg = new LoraConfig(2, 4f, dropout, List.of("c_attn", "c_proj", "c_fc"), freezeA, seed);
    LoraModel lora = LoraModel.attach(model, cfg, p -> p.endsWith(".c_attn") || p.endsWith(".c_proj")
        || p.endsWith(".c_fc"));
    SplittableRandom rnd = new SplittableRandom(seed + 1);
    for (LoraModule m : lora.modules().values()) {
      float[] b = m.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (rnd.nextDouble() - 0.5) * 0.5f;
      }
    }
    return lora;
  }

  /** A batch of sequences of different lengths (right-padded) with labels in {0, 1}. */
  static Batch batch(long seed, int n, int maxLen) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int[][] seqs = new int[n][];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      seqs[i] = new int[i == 0 ? maxLen : 2 + rnd.nextInt(maxLen - 1)];
      for (int j = 0; j < seqs[i].length; j++) {
        seqs[i][j] = rnd.nextInt(SHAPE.vocabSize());
      }
      labels[i] = rnd.nextInt(2);
    }
    return Batch.of(seqs, labels, SHAPE.vocabSize() - 1);
  }
}
