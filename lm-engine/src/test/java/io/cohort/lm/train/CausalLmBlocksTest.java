package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.OutputHeadLoss;
import io.cohort.lm.model.Pass;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The next-token loss formed a block of rows at a time (512 rows gathered across examples on the
 * fused off-heap path, 64 per example on the heap path) equals the double-precision formula row by
 * row, for examples longer than a block and of different lengths (so blocks span example boundaries
 * and skip padding), with the batch-mean and the per-example weighting of the input gradient.
 */
class CausalLmBlocksTest {
  private static final long SEED = 20261208L;

  @Test
  void lossAndInputGradient_overManyBlocks_equalTheFormulaRowByRow() {
    check(false);
  }

  @Test
  void perExampleWeights_acrossExampleBoundaries_equalTheFormulaRowByRow() {
    check(true);
  }

  private static void check(boolean perExample) {
    Gpt2Model model = TinyModels.model(SEED);
    assertThat(OutputHeadLoss.supports(model.outputHead())).as("the fused path runs here").isTrue();
    int vocab = model.vocabSize();
    int width = model.width();
    SplittableRandom rnd = new SplittableRandom(SEED);
    int[][] seqs = {new int[600], new int[257], new int[2]};
    for (int[] s : seqs) {
      for (int j = 0; j < s.length; j++) {
        s[j] = rnd.nextInt(vocab);
      }
    }
    Batch batch = Batch.of(seqs, null, 0);
    int t = batch.seqLen();
    float[] hidden = new float[batch.batch() * t * width];
    for (int i = 0; i < hidden.length; i++) {
      hidden[i] = (float) rnd.nextGaussian();
    }
    float[] dHidden = new float[hidden.length];
    double loss = new CausalLm(model).loss(hidden, batch, Pass.training(batch.batch(), t, perExample, null), dHidden);

    float[] w = model.outputHead().toArray(); // [vocab, width]
    int predictions = 0;
    for (int len : batch.lengths()) {
      predictions += len - 1;
    }
    double sum = 0;
    float[] want = new float[hidden.length];
    for (int e = 0; e < batch.batch(); e++) {
      for (int r = 0; r < batch.lengths()[e] - 1; r++) {
        int row = e * t + r;
        int target = batch.ids()[row + 1];
        double[] z = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) {
          for (int k = 0; k < width; k++) {
            z[j] += (double) hidden[row * width + k] * w[j * width + k];
          }
          max = Math.max(max, z[j]);
        }
        double norm = 0;
        for (int j = 0; j < vocab; j++) {
          norm += Math.exp(z[j] - max);
        }
        sum += max + Math.log(norm) - z[target];
        for (int j = 0; j < vocab; j++) {
          int own = batch.lengths()[e] - 1;
          double g = (Math.exp(z[j] - max) / norm - (j == target ? 1 : 0)) / (perExample ? own : predictions);
          for (int k = 0; k < width; k++) {
            want[row * width + k] += (float) (g * w[j * width + k]);
          }
        }
      }
    }
    assertThat(loss).as("mean NLL, seed %d", SEED).isCloseTo(sum / predictions, Offset.offset(1e-5 * sum / predictions));
    for (int i = 0; i < want.length; i++) {
      assertThat(dHidden[i]).as("dHidden[%d] (row %d), per example %s, seed %d", i, i / width, perExample, SEED)
          .isCloseTo(want[i], Offset.offset(1e-6f + 1e-4f * Math.abs(want[i])));
    }
  }
}
