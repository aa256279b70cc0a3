package io.cohort.crypto.dp.internal;

import java.util.Arrays;

/**
 * The pessimistic connect-the-dots PLD of one step of the Poisson-subsampled Gaussian mechanism
 * (Doroshenko, Ghazi, Kamath, Kumar and Manurangsi, "Connect the Dots: Tighter Discrete
 * Approximations of Privacy Loss Distributions", PoPETs 2022), for either neighbouring relation:
 *
 * <ul>
 *   <li>remove: P = (1-q) N(0, s^2) + q N(1, s^2), Q = N(0, s^2); loss increasing in x.
 *   <li>add: P = N(0, s^2), Q = (1-q) N(0, s^2) + q N(1, s^2); loss decreasing in x.
 * </ul>
 *
 * <p>Connect-the-dots moves the probability of each loss value l in [e_i, e_i + h] to the two
 * grid points around it, the upper one getting the fraction (1 - e^(e_i - l)) / (1 - e^(-h)).
 * That keeps the hockey-stick divergence exact at every grid point and an upper bound between
 * them (a dominating pair, so composition stays pessimistic). Those fractions are integrated
 * numerically, per x-interval that maps into one loss bin, with 5-point Gauss-Legendre on
 * sub-intervals of at most s/8 (2 points on the narrow tail bins, see {@code integrate}). Tails
 * of X beyond 8.3 s (mass < 1e-16 each) are placed at +infinity or at the loss upper bound.
 */
public final class ConnectTheDots {
  private static final double Z = 8.3;
  private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  private static final double[] GL_X = {-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831,
      0.9061798459386640};
  private static final double[] GL_W = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889,
      0.4786286704993665, 0.2369268850561891};

  private static final double[] GL2_X = {-0.5773502691896258, 0.5773502691896258};
  private static final double[] GL2_W = {1, 1};

  private ConnectTheDots() {}

  /** The one-step PLD on the grid of spacing {@code h} (nats), for the remove or the add relation. */
  public static DiscretePld oneStep(double q, double sigma, double h, boolean remove) {
    double xLo = -Z * sigma;
    double xHi = 1 + Z * sigma;
    double lossAtLo = loss(xLo, q, sigma, remove);
    double lossAtHi = loss(xHi, q, sigma, remove);
    double lMin = Math.min(lossAtLo, lossAtHi);
    double lMax = Math.max(lossAtLo, lossAtHi);
    // Tail of X beyond the range: P-mass, and where it goes (pessimistically).
    double pBelow = pTail(xLo, q, sigma, remove, true);
    double pAbove = pTail(xHi, q, sigma, remove, false);
    double infinity = 0;
    double supLoss = remove ? Double.POSITIVE_INFINITY : (q == 1 ? Double.POSITIVE_INFINITY : -Math.log1p(-q));
    long iMin = (long) Math.floor(lMin / h) - 1;
    long iMax = (long) Math.ceil(lMax / h) + 1;
    if (Double.isFinite(supLoss)) {
      iMax = Math.max(iMax, (long) Math.ceil(supLoss / h));
    }
    if (iMax - iMin > 50_000_000L) {
      throw new ArithmeticException("PLD grid too large: " + (iMax - iMin) + " points; use a coarser grid");
    }
    double[] m = new double[(int) (iMax - iMin + 1)];
    // Breakpoints: every grid loss inside the range mapped back to x, plus a regular s/8 grid.
    int nGrid = (int) Math.max(0, Math.ceil(lMax / h) - Math.floor(lMin / h) + 1);
    int nReg = (int) Math.ceil((xHi - xLo) / (sigma / 8));
    double[] xs = new double[nGrid + nReg + 2];
    int k = 0;
    for (long i = (long) Math.floor(lMin / h); i <= (long) Math.ceil(lMax / h); i++) {
      double x = xOfLoss(i * h, q, sigma, remove);
      if (x > xLo && x < xHi) {
        xs[k++] = x;
      }
    }
    for (int r = 0; r <= nReg; r++) {
      xs[k++] = Math.min(xHi, xLo + r * (xHi - xLo) / nReg);
    }
    xs = Arrays.copyOf(xs, k);
    Arrays.sort(xs);
    double split = -Math.expm1(-h);
    double[] scratch = new double[2];
    for (int s = 0; s + 1 < xs.length; s++) {
      double a = xs[s];
      double b = xs[s + 1];
      if (b <= a) {
        continue;
      }
      long bin = (long) Math.floor(loss(0.5 * (a + b), q, sigma, remove) / h);
      double lowGrid = bin * h;
      double[] pmUp = integrate(a, b, q, sigma, remove, lowGrid, scratch);
      double pm = pmUp[0];
      double up = pmUp[1];
      double toUpper = Math.min(pm, up / split);
      m[(int) (bin - iMin)] += pm - toUpper;
      m[(int) (bin + 1 - iMin)] += toUpper;
    }
    // Tails: remove -> high loss above xHi goes to infinity, low loss below xLo up to lossAtLo.
    // add -> high loss below xLo goes to sup loss (infinity if q = 1), low loss above xHi up to lossAtHi.
    double highTail = remove ? pAbove : pBelow;
    double lowTail = remove ? pBelow : pAbove;
    double lowTailLoss = remove ? lossAtLo : lossAtHi;
    if (Double.isFinite(supLoss)) {
      m[(int) ((long) Math.ceil(supLoss / h) - iMin)] += highTail;
    } else {
      infinity += highTail;
    }
    m[(int) ((long) Math.ceil(lowTailLoss / h) - iMin)] += lowTail;
    return new DiscretePld(h, iMin, m, infinity, highTail + lowTail).truncate(0);
  }

  /**
   * P-mass of [a, b] and its part weighted by 1 - e^(lowGrid - loss), by Gauss-Legendre (5 nodes,
   * or 2 on narrow intervals), into {@code out}. With E = q expm1(u) and u = (2x - 1) / (2 s^2),
   * the remove relation has density n0(x) (1 + E) and loss log1p(E), so the weighted integrand is
   * n0 (E - expm1(lowGrid)); the add relation has density n0 and loss -log1p(E), weight
   * -(expm1(lowGrid) + E e^lowGrid). One exp and one expm1 per node instead of five
   * transcendental calls; the cancellation in the differences is the same as in the direct form
   * (absolute error about u |loss| / h in the split).
   */
  private static double[] integrate(double a, double b, double q, double sigma, boolean remove, double lowGrid,
      double[] out) {
    double half = 0.5 * (b - a);
    double mid = 0.5 * (a + b);
    double eLow = Math.expm1(lowGrid);
    double inv2s2 = 1 / (2 * sigma * sigma);
    // Narrow intervals (the tail bins: about h s^2 wide) need only 2 nodes: the integrands'
    // log-derivatives are at most (|x| + 1) / s^2, so they vary by kappa <= width (|x| + 1 + s) / s^2
    // over the interval, and 2-point Gauss-Legendre (exact to degree 3) errs by O(kappa^4 / 2000)
    // relative, below 1e-15 for kappa < 1e-3. Measured: masses unchanged to 1e-16 absolute.
    double kappa = (b - a) * (Math.abs(mid) + 1 + sigma) * inv2s2 * 2;
    double[] nodes = kappa < 1e-3 ? GL2_X : GL_X;
    double[] weights = kappa < 1e-3 ? GL2_W : GL_W;
    double pm = 0;
    double up = 0;
    for (int g = 0; g < nodes.length; g++) {
      double x = mid + half * nodes[g];
      double u = (2 * x - 1) * inv2s2;
      if (u > 300) {
        // E would overflow near u = 709; the direct form handles any u.
        double w = half * weights[g] * pDensity(x, q, sigma, remove);
        pm += w;
        up += w * -Math.expm1(lowGrid - loss(x, q, sigma, remove));
        continue;
      }
      double n0 = half * weights[g] * Math.exp(-x * x * inv2s2) * INV_SQRT_2PI / sigma;
      double e = q == 1 ? Math.expm1(u) : q * Math.expm1(u);
      if (remove) {
        pm += n0 * (1 + e);
        up += n0 * (e - eLow);
      } else {
        pm += n0;
        up += n0 * -(eLow + e * (1 + eLow));
      }
    }
    out[0] = pm;
    out[1] = up;
    return out;
  }

  /** Privacy loss at x: log(P(x)/Q(x)). */
  static double loss(double x, double q, double sigma, boolean remove) {
    double u = (2 * x - 1) / (2 * sigma * sigma);
    double l;
    if (q == 1) {
      l = u;
    } else if (u > 30) {
      l = u + Math.log(q) + Math.log1p((1 - q) / q * Math.exp(-u));
    } else {
      l = Math.log1p(q * Math.expm1(u));
    }
    return remove ? l : -l;
  }

  /** The x at which the loss equals {@code l} (inverse of {@link #loss}); NaN outside its range. */
  static double xOfLoss(double l, double q, double sigma, boolean remove) {
    double e = remove ? l : -l;
    // log1p(q expm1(u)) = e  <=>  u = log(expm1(e) + q) - log q
    double u = e > 30 ? e - Math.log(q) + Math.log1p((q - 1) * Math.exp(-e)) : Math.log(Math.expm1(e) + q) - Math.log(q);
    return sigma * sigma * u + 0.5;
  }

  private static double pDensity(double x, double q, double sigma, boolean remove) {
    double n0 = Math.exp(-0.5 * (x / sigma) * (x / sigma));
    if (!remove) {
      return n0 / (sigma * Math.sqrt(2 * Math.PI));
    }
    double n1 = Math.exp(-0.5 * ((x - 1) / sigma) * ((x - 1) / sigma));
    return ((1 - q) * n0 + q * n1) / (sigma * Math.sqrt(2 * Math.PI));
  }

  private static double pTail(double x, double q, double sigma, boolean remove, boolean below) {
    double t0 = below ? SpecialFunctions.normalCdf(x / sigma) : SpecialFunctions.normalTail(x / sigma);
    if (!remove) {
      return t0;
    }
    double t1 = below ? SpecialFunctions.normalCdf((x - 1) / sigma) : SpecialFunctions.normalTail((x - 1) / sigma);
    return (1 - q) * t0 + q * t1;
  }
}
