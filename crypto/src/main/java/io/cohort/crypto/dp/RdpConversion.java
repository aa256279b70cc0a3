package io.cohort.crypto.dp;

/** How an RDP curve is turned into an (epsilon, delta) guarantee at one order alpha. */
public enum RdpConversion {
  /**
   * epsilon = rdp + log(1/delta) / (alpha - 1): Mironov, "Rényi Differential Privacy" (2017),
   * Proposition 3. What TensorFlow Privacy's MNIST tutorial reports (epsilon ~ 3.01).
   */
  CLASSIC {
    @Override
    double epsilon(double alpha, double rdp, double delta) {
      return rdp + Math.log(1 / delta) / (alpha - 1);
    }
  },
  /**
   * epsilon = rdp + log((alpha-1)/alpha) - (log delta + log alpha)/(alpha - 1): Balle, Barthe,
   * Gaboardi, Hsu and Sato, "Hypothesis Testing Interpretations and Rényi Differential Privacy"
   * (AISTATS 2020), Theorem 21; also Canonne, Kamath and Steinke (2020), Proposition 12. Always
   * at most {@link #CLASSIC}. Exactly Opacus's {@code get_privacy_spent}.
   */
  IMPROVED {
    @Override
    double epsilon(double alpha, double rdp, double delta) {
      return rdp - (Math.log(delta) + Math.log(alpha)) / (alpha - 1) + Math.log((alpha - 1) / alpha);
    }
  };

  abstract double epsilon(double alpha, double rdp, double delta);

  /** The epsilon this conversion gives at order {@code alpha > 1} from RDP {@code rdp}, at {@code delta}. */
  public double epsilonAt(double alpha, double rdp, double delta) {
    return epsilon(alpha, rdp, delta);
  }
}
