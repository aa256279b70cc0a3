package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fused off-heap next-token loss against the textbook formula in double (loss and dHidden). */
class OutputHeadLossTest {
  private static final long SEED = 20261207L;

  @Test
  void lossAndInputGradient_matchTheDoublePrecisionFormula_andAccumulate() {
    SplittableRandom r = new SplittableRandom(SEED);
    int vocab = 3001;
    int width = 24;
    int rows = 37; // not a multiple of the threads' share
    int from = 5;
    float[] w = new float[vocab * width];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.5);
    }
    float[] hidden = new float[(from + rows + 3) * width];
    for (int i = 0; i < hidden.length; i++) {
      hidden[i] = (float) (r.nextGaussian() * 2);
    }
    int[] ids = new int[from + rows + 1];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(vocab);
    }
    // Row 3 of the block: its target's logit far below the row's maximum (probability underflows float).
    int deep = from + 3;
    for (int j = 0; j < width; j++) {
      w[ids[deep + 1] * width + j] = -40f * Math.signum(hidden[deep * width + j]);
    }
    float weight = 0.3f;
    double expected = 0;
    double[] expectedD = new double[hidden.length];
    double deepNll = 0;
    for (int row = from; row < from + rows; row++) {
      double[] logit = new double[vocab];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < vocab; c++) {
        double s = 0;
        for (int j = 0; j < width; j++) {
          s += (double) hidden[row * width + j] * w[c * width + j];
        }
        logit[c] = s;
        max = Math.max(max, s);
      }
      double z = 0;
      for (int c = 0; c < vocab; c++) {
        z += Math.exp(logit[c] - max);
      }
      double lse = max + Math.log(z);
      int target = ids[row + 1];
      expected += lse - logit[target];
      if (row == deep) {
        deepNll = lse - logit[target];
      }
      for (int c = 0; c < vocab; c++) {
        double g = weight * (Math.exp(logit[c] - lse) - (c == target ? 1 : 0));
        for (int j = 0; j < width; j++) {
          expectedD[row * width + j] += g * w[c * width + j];
        }
      }
    }
    assertThat(deepNll).as("the deep row's NLL (seed %d)", SEED).isGreaterThan(100);
    NativeMatrix head = new NativeMatrix(w, vocab, width);
    assertThat(OutputHeadLoss.supports(head)).as("oneDNN softmax and FP32 on linux-x86_64").isTrue();
    float[] dHidden = new float[hidden.length];
    java.util.Arrays.fill(dHidden, 1f); // accumulates onto what is there
    assertThat(OutputHeadLoss.sum(head, hidden, from, rows, ids, from + 1, weight, null)).as("seed %d", SEED)
        .isCloseTo(expected, within(1e-5 * expected));
    assertThat(OutputHeadLoss.sum(head, hidden, from, rows, ids, from + 1, weight, dHidden)).as("seed %d", SEED)
        .isCloseTo(expected, within(1e-5 * expected));
    assertGradient(dHidden, expectedD, from, rows, width, "one piece");
    // The FP32 input gradient in pieces of the head's rows (the last one partial), summed.
    int chunk = OutputHeadLoss.backwardChunk;
    OutputHeadLoss.backwardChunk = 1000;
    try {
      java.util.Arrays.fill(dHidden, 1f);
      assertThat(OutputHeadLoss.sum(head, hidden, from, rows, ids, from + 1, weight, dHidden)).as("seed %d", SEED)
          .isCloseTo(expected, within(1e-5 * expected));
      assertGradient(dHidden, expectedD, from, rows, width, "pieces of 1000 head rows");
    } finally {
      OutputHeadLoss.backwardChunk = chunk;
    }

    // BF16 products (the head's BF16 copy, activations and probabilities rounded to BF16): the same
    // loss and gradient to BF16's precision, rows outside the block untouched.
    Blas.setPrecision(Precision.BF16);
    try {
      assertThat(OutputHeadLoss.supports(head)).isTrue();
      float[] dBf16 = new float[hidden.length];
      double loss = OutputHeadLoss.sum(head, hidden, from, rows, ids, from + 1, weight, dBf16);
      assertThat(loss).as("BF16 loss (seed %d)", SEED).isCloseTo(expected, within(2e-2 * expected));
      double err = 0;
      double norm = 0;
      for (int i = 0; i < hidden.length; i++) {
        int row = i / width;
        if (row < from || row >= from + rows) {
          assertThat(dBf16[i]).as("dHidden[%d] outside the block", i).isZero();
          continue;
        }
        err += (dBf16[i] - expectedD[i]) * (dBf16[i] - expectedD[i]);
        norm += expectedD[i] * expectedD[i];
      }
      assertThat(Math.sqrt(err / norm)).as("BF16 dHidden relative L2 error (seed %d)", SEED).isLessThan(2e-2);
    } finally {
      Blas.setPrecision(Precision.FP32);
    }
  }

  /** dHidden started at 1 everywhere: 1 plus the expected gradient on the block's rows, 1 elsewhere. */
  private static void assertGradient(float[] dHidden, double[] expectedD, int from, int rows, int width, String how) {
    for (int i = 0; i < dHidden.length; i++) {
      int row = i / width;
      double want = 1 + (row >= from && row < from + rows ? expectedD[i] : 0);
      assertThat((double) dHidden[i]).as("dHidden[%d] (row %d, %s, seed %d)", i, row, how, SEED)
          .isCloseTo(want, within(1e-4 + 1e-4 * Math.abs(want)));
    }
  }
}
