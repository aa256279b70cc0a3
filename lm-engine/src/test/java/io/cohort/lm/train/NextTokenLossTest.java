package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.lm.model.DnnlSoftmax;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The next-token loss (one fast exp per logit, rows in parallel) against the textbook formula in double. */
class NextTokenLossTest {
  private static final long SEED = 20261207L;

  @Test
  void lossAndGradient_matchTheDoublePrecisionFormula_onOneDnn() {
    assertThat(DnnlSoftmax.available()).as("oneDNN's softmax loads on linux-x86_64").isTrue();
    lossAndGradientMatchTheFormula(true);
  }

  @Test
  void lossAndGradient_matchTheDoublePrecisionFormula_inTheJavaLoop() {
    lossAndGradientMatchTheFormula(false);
  }

  private static void lossAndGradientMatchTheFormula(boolean onDnnl) {
    SplittableRandom r = new SplittableRandom(SEED);
    int rows = 7;
    int vocab = 50257;
    float[] logits = new float[rows * vocab];
    for (int i = 0; i < logits.length; i++) {
      // spread wide enough that some exponents underflow below -87
      logits[i] = (float) (r.nextGaussian() * (i % 5 == 0 ? 40 : 3));
    }
    int[] ids = new int[rows + 1];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(vocab);
    }
    // Row 2's target 200 below the row's largest logit: its probability underflows float, so the
    // oneDNN path must score that row from the logits themselves.
    logits[2 * vocab + ids[3]] = -1e9f;
    logits[2 * vocab + ids[3]] = -200 + max(logits, 2 * vocab, vocab);
    float weight = 0.25f;
    double[] expectedRow = new double[rows];
    float[] expectedGrad = new float[logits.length];
    for (int row = 0; row < rows; row++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < vocab; c++) {
        max = Math.max(max, logits[row * vocab + c]);
      }
      double z = 0;
      for (int c = 0; c < vocab; c++) {
        z += Math.exp(logits[row * vocab + c] - max);
      }
      double lse = max + Math.log(z);
      expectedRow[row] = lse - logits[row * vocab + ids[row + 1]];
      for (int c = 0; c < vocab; c++) {
        expectedGrad[row * vocab + c] = (float) (Math.exp(logits[row * vocab + c] - lse) * weight);
      }
      expectedGrad[row * vocab + ids[row + 1]] -= weight;
    }
    double expected = 0;
    for (double v : expectedRow) {
      expected += v;
    }
    float[] noGrad = logits.clone();
    assertThat(expectedRow[2]).as("row 2's NLL").isGreaterThan(199);
    assertThat(NextTokenLoss.sum(noGrad, rows, vocab, ids, 1, weight, false, onDnnl)).as("seed %d", SEED)
        .isCloseTo(expected, within(1e-5 * expected));
    assertThat(java.util.Arrays.equals(noGrad, logits)).as("without a gradient the logits are left alone").isTrue();
    assertThat(NextTokenLoss.sum(logits, rows, vocab, ids, 1, weight, true, onDnnl)).isCloseTo(expected,
        within(1e-5 * expected));
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < logits.length; i++) {
      double excess = Math.abs(logits[i] - expectedGrad[i]) - (1e-6 + 1e-5 * Math.abs(expectedGrad[i]));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
    assertThat(worst).as("gradient entry beyond 1e-6 + 1e-5 relative (seed %d)", SEED).isEqualTo(-1);
  }

  private static float max(float[] a, int from, int n) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = from; i < from + n; i++) {
      m = Math.max(m, a[i]);
    }
    return m;
  }

  @Test
  void fastExp_isWithinTwoUlpOfMathExp_andZeroFarBelow() {
    float worst = Float.NaN;
    for (float x = -87f; x <= 0f; x += 0.001f) {
      float want = (float) Math.exp(x);
      if (Math.abs(NextTokenLoss.exp(x) - want) > 2 * Math.ulp(want)) {
        worst = x;
      }
    }
    assertThat(worst).as("an argument where exp is off by more than 2 ulp").isNaN();
    assertThat(NextTokenLoss.exp(0f)).isEqualTo(1f);
    assertThat(NextTokenLoss.exp(-100f)).isZero();
    assertThat(NextTokenLoss.exp(Float.NEGATIVE_INFINITY)).isZero();
  }
}
