package io.cohort.crypto.dp.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

class OneRunAuditTest {
  private static final MathContext MC = new MathContext(60);

  /** v = r, delta = 0: the p-value is q^r, so the bound solves q = 0.05^(1/r) in closed form. */
  @Test
  void allCorrectWithoutDeltaMatchesClosedForm() {
    for (int r : new int[] {10, 100, 1000}) {
      double q = Math.pow(0.05, 1.0 / r);
      double expected = Math.log(q / (1 - q));
      assertThat(OneRunAudit.epsilonLowerBound(2000, r, r, 0, 0.95)).as("r=%d", r).isCloseTo(expected, within(1e-7));
    }
    // worked number: 10 of 10 right proves epsilon > 1.0519 at 95 % (q = 0.05^0.1 = 0.74113)
    assertThat(OneRunAudit.epsilonLowerBound(10, 10, 10, 0, 0.95)).isCloseTo(1.0519, within(1e-4));
  }

  /** The p-value and the bound against an exact rational computation (BigInteger binomials, BigDecimal sums). */
  @Test
  void matchesExactComputationInSeveralSettings() {
    int[][] settings = {{1000, 200, 180}, {500, 50, 40}, {100, 20, 17}, {1000, 1000, 700}};
    double[] deltas = {1e-5, 0, 1e-3, 1e-5};
    for (int s = 0; s < settings.length; s++) {
      int m = settings[s][0];
      int r = settings[s][1];
      int v = settings[s][2];
      double delta = deltas[s];
      for (double eps : new double[] {0, 0.5, 1, 2, 4}) {
        double exact = exactPValue(m, r, v, eps, delta);
        assertThat(OneRunAudit.pValue(m, r, v, eps, delta)).as("m=%d r=%d v=%d eps=%s", m, r, v, eps)
            .isCloseTo(exact, within(1e-12 + 1e-9 * exact));
      }
      double lo = 0;
      double hi = 50;
      for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (exactPValue(m, r, v, mid, delta) < 0.05) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      double bound = OneRunAudit.epsilonLowerBound(m, r, v, delta, 0.95);
      assertThat(bound).as("m=%d r=%d v=%d delta=%s", m, r, v, delta).isCloseTo(lo, within(1e-6)).isPositive();
    }
  }

  @Test
  void moreCorrectGuessesGiveAHigherBound() {
    double previous = -1;
    for (int v = 100; v <= 200; v += 5) {
      double bound = OneRunAudit.epsilonLowerBound(1000, 200, v, 1e-5, 0.95);
      assertThat(bound).as("v=%d", v).isGreaterThanOrEqualTo(previous);
      previous = bound;
    }
    assertThat(previous).isGreaterThan(OneRunAudit.epsilonLowerBound(1000, 200, 150, 1e-5, 0.95) + 1);
  }

  @Test
  void randomGuessingGivesZero() {
    assertThat(OneRunAudit.epsilonLowerBound(1000, 200, 100, 1e-5, 0.95)).isZero();
    assertThat(OneRunAudit.epsilonLowerBound(1000, 200, 108, 1e-5, 0.95)).isZero(); // within noise of 100
    assertThat(OneRunAudit.epsilonLowerBound(1000, 0, 0, 1e-5, 0.95)).isZero();
  }

  @Test
  void aLargerDeltaOrConfidenceNeverRaisesTheBound() {
    double small = OneRunAudit.epsilonLowerBound(1000, 300, 290, 1e-6, 0.95);
    double large = OneRunAudit.epsilonLowerBound(1000, 300, 290, 1e-4, 0.95);
    assertThat(large).isLessThan(small);
    assertThat(OneRunAudit.epsilonLowerBound(1000, 300, 290, 1e-6, 0.99)).isLessThan(small);
  }

  @Test
  void rejectsImpossibleCountsWithOneClearLine() {
    assertThatThrownBy(() -> OneRunAudit.epsilonLowerBound(10, 11, 5, 0, 0.95)).hasMessageContaining("guesses (r) is 11");
    assertThatThrownBy(() -> OneRunAudit.epsilonLowerBound(10, 5, 6, 0, 0.95)).hasMessageContaining("correct (v) is 6");
    assertThatThrownBy(() -> OneRunAudit.epsilonLowerBound(10, 5, 5, 2, 0.95)).hasMessageContaining("delta is 2");
    assertThatThrownBy(() -> OneRunAudit.epsilonLowerBound(10, 5, 5, 0, 95)).hasMessageContaining("confidence is 95");
  }

  /** Theorem 3.1's right-hand side, computed with exact binomial coefficients and 60-digit decimals. */
  private static double exactPValue(int m, int r, int v, double eps, double delta) {
    if (v == 0) {
      return 1;
    }
    BigDecimal e = new BigDecimal(Math.exp(eps), MC);
    BigDecimal q = e.divide(BigDecimal.ONE.add(e), MC);
    BigDecimal p = BigDecimal.ONE.subtract(q);
    BigDecimal[] pmf = new BigDecimal[r + 1];
    BigInteger choose = BigInteger.ONE;
    for (int k = 0; k <= r; k++) {
      if (k > 0) {
        choose = choose.multiply(BigInteger.valueOf(r - k + 1)).divide(BigInteger.valueOf(k));
      }
      pmf[k] = new BigDecimal(choose).multiply(q.pow(k, MC), MC).multiply(p.pow(r - k, MC), MC);
    }
    BigDecimal beta = BigDecimal.ZERO;
    for (int k = v; k <= r; k++) {
      beta = beta.add(pmf[k], MC);
    }
    BigDecimal alpha = BigDecimal.ZERO;
    BigDecimal sum = BigDecimal.ZERO;
    for (int i = 1; i <= v; i++) {
      sum = sum.add(pmf[v - i], MC);
      BigDecimal candidate = sum.divide(BigDecimal.valueOf(i), MC);
      if (candidate.compareTo(alpha) > 0) {
        alpha = candidate;
      }
    }
    BigDecimal total = beta.add(alpha.multiply(new BigDecimal(delta * 2.0 * m), MC), MC);
    return Math.min(1.0, total.doubleValue());
  }
}
