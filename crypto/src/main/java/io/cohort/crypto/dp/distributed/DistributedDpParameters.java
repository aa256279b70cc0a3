package io.cohort.crypto.dp.distributed;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;

/**
 * The public parameters of one distributed-DP job (Kairouz, Liu and Steinke, "The Distributed
 * Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation", ICML 2021; "KLS"
 * below), chosen by {@link #choose} from the job's DP-SGD terms.
 *
 * <p>Units: a real vector x is rotated ({@link RandomizedHadamard}), multiplied by the scale
 * {@code s = 1/gamma} and rounded to integers; all variances and norms named {@code scaled...}
 * are in those integer units. One DP-SGD step wants noise of standard deviation sigma*C on the
 * sum of clipped gradients, i.e. a total scaled variance {@code (sigma C s)^2}, held here as the
 * integer {@link #totalVariance()} (rounded up: only more noise).
 *
 * <p>Trust model: when k nodes contribute to a round, at most {@code colludersTolerated} (t) of
 * them may fail to add their noise or collude with the server; each node adds the discrete
 * Gaussian share {@code totalVariance / (k - t)}, so the shares of the k - t honest nodes alone
 * sum to the target (the "top-up": fewer contributors, bigger shares). A node refuses a round
 * with {@code k - t < minHonest} or {@code k > maxNodes}. With t = 0 (the default; the adversary
 * is the server and outsiders, as in KLS) the released noise is exactly central DP-SGD's.
 *
 * <p>Ring: the node's integers are reduced modulo {@code m = 2^bits}, bits &lt;= 32; since m
 * divides 2^32, masking and summing in SecAgg's Z_2^32 and then reducing mod m gives the sum
 * mod m. Privacy never depends on the ring (reduction is post-processing); a wrap-around only
 * corrupts utility, and {@link #wrapProbability()} bounds its chance per round.
 *
 * @param clipNorm C, the per-unit L2 clipping norm
 * @param noiseMultiplier sigma, as for central DP-SGD (noise stddev / C on the sum)
 * @param dimension d, the model update's length
 * @param paddedDimension D, the power of two >= d that the rotation works in
 * @param maxNodes n, the most nodes that may contribute to a round
 * @param minHonest the floor on honest contributors (k - t) below which a node refuses a round
 * @param colludersTolerated t, contributors assumed possibly dishonest (their noise not counted)
 * @param expectedBatchSize the public expected number of sampled units per round over all nodes
 *     (q times the pooled dataset size): the server's denominator
 * @param bits the ring's bit width b (m = 2^b)
 * @param beta KLS's conditional-rounding bias in [0, 1)
 * @param scale s = 1/gamma
 * @param totalVariance the target total noise variance, scaled, as an integer: ceil((sigma C s)^2)
 * @param roundedNormBoundSquared the exact integer bound on ||round(s x)||^2 that the encoder
 *     enforces per unit (floor of KLS Theorem 1's Delta_2^2)
 * @param batchBound the high-probability bound on the round's total batch used for the wrap bound
 * @param wrapProbability a bound on the probability that any coordinate of the round's sum
 *     leaves [-m/2, m/2) (the batch exceeding {@code batchBound} counted as a wrap)
 */
public record DistributedDpParameters(double clipNorm, double noiseMultiplier, int dimension, int paddedDimension,
    int maxNodes, int minHonest, int colludersTolerated, double expectedBatchSize, int bits, double beta,
    double scale, long totalVariance, long roundedNormBoundSquared, long batchBound, double wrapProbability) {

  /** KLS's experiments use beta = exp(-1/2). */
  public static final double DEFAULT_BETA = Math.exp(-0.5);
  /** Default per-round wrap-around budget. */
  public static final double DEFAULT_WRAP_TARGET = 1e-9;
  public static final int MAX_NODES = 10_000;

  /**
   * The job's terms from which the codec parameters are chosen.
   *
   * @param wrapTarget the per-round probability budget for a wrap-around (utility failure), in (0, 0.1]
   */
  public record Job(double clipNorm, double noiseMultiplier, int dimension, int maxNodes, int minHonest,
      int colludersTolerated, double expectedBatchSize, int bits, double beta, double wrapTarget) {
    /** The defaults: no colluders tolerated, 32-bit ring (SecAgg's words), beta = exp(-1/2), wrap 1e-9. */
    public static Job of(double clipNorm, double noiseMultiplier, int dimension, int maxNodes, int minHonest,
        double expectedBatchSize) {
      return new Job(clipNorm, noiseMultiplier, dimension, maxNodes, minHonest, 0, expectedBatchSize, 32,
          DEFAULT_BETA, DEFAULT_WRAP_TARGET);
    }

    public Job withBits(int b) {
      return new Job(clipNorm, noiseMultiplier, dimension, maxNodes, minHonest, colludersTolerated,
          expectedBatchSize, b, beta, wrapTarget);
    }

    public Job withColludersTolerated(int t) {
      return new Job(clipNorm, noiseMultiplier, dimension, maxNodes, minHonest, t, expectedBatchSize, bits, beta,
          wrapTarget);
    }

    public Job withBeta(double b) {
      return new Job(clipNorm, noiseMultiplier, dimension, maxNodes, minHonest, colludersTolerated,
          expectedBatchSize, bits, b, wrapTarget);
    }
  }

  /**
   * Chooses the scale, norm bound and total variance for {@code job}.
   *
   * <p>Scale: the largest s such that the round's sum stays inside [-m/2, m/2) except with
   * probability {@code wrapTarget} (KLS Section 4.4, with their sub-Gaussian argument made a
   * bound): per coordinate, after the rotation the sum is the sum of three independent
   * sub-Gaussian parts, the rotated signal (proxy ||sum x||^2 s^2 / D &lt;= (B C s)^2 / D), the
   * rounding errors (1/4 per unit, Hoeffding) and the discrete Gaussian noise (proxy its
   * variance parameter; Canonne, Kamath and Steinke 2020, Corollary 9), so
   * P[|y_j| >= m/2] &lt;= 2 exp(-(m/2)^2 / (2 v)). Half the budget goes to the union bound over
   * the D coordinates, half to the batch size B exceeding its Bernstein bound. A finer scale only
   * helps privacy (smaller rounding inflation, smaller tau), so the largest one the ring allows
   * is taken.
   *
   * @throws DpParameterException naming the parameter that is out of range, or "bits" when the
   *     ring is too small for the batch and noise
   */
  public static DistributedDpParameters choose(Job job) throws DpParameterException {
    double c = DpPreconditions.checkClipNorm(job.clipNorm());
    double sigma = DpPreconditions.checkNoiseMultiplier(job.noiseMultiplier());
    int d = job.dimension();
    if (d < 1 || d > (1 << 30)) {
      throw new DpParameterException("dimension", "dimension must be in [1, 2^30], got " + d);
    }
    int n = job.maxNodes();
    if (n < 1 || n > MAX_NODES) {
      throw new DpParameterException("maxNodes", "maxNodes must be in [1, " + MAX_NODES + "], got " + n);
    }
    int t = job.colludersTolerated();
    if (t < 0) {
      throw new DpParameterException("colludersTolerated", "colludersTolerated must be >= 0, got " + t);
    }
    int h = job.minHonest();
    if (h < 1 || h + t > n) {
      throw new DpParameterException("minHonest", "minHonest must be in [1, maxNodes - colludersTolerated] = [1, "
          + (n - t) + "], got " + h);
    }
    double mu = job.expectedBatchSize();
    if (!(mu > 0 && mu <= 1e9)) {
      throw new DpParameterException("expectedBatchSize", "expectedBatchSize must be in (0, 1e9], got " + mu);
    }
    int bits = job.bits();
    if (bits < 8 || bits > 32) {
      throw new DpParameterException("bits", "bits (the ring's width; SecAgg words are 32 bits) must be in [8, 32], got "
          + bits);
    }
    double beta = job.beta();
    if (!(beta >= 0 && beta < 1)) {
      throw new DpParameterException("beta", "beta (the conditional rounding bias) must be in [0, 1), got " + beta);
    }
    double p = job.wrapTarget();
    if (!(p > 0 && p <= 0.1)) {
      throw new DpParameterException("wrapTarget", "wrapTarget must be in (0, 0.1], got " + p);
    }
    int paddedD = RandomizedHadamard.paddedDimension(d);

    // Batch: Bernstein, P[B >= mu + u] <= exp(-u^2 / (2 (mu + u/3))) for a sum of independent Bernoullis.
    double logB = Math.log(2 / p);
    double u = logB / 3 + Math.sqrt(Math.pow(logB / 3, 2) + 2 * mu * logB);
    long batchBound = (long) Math.ceil(mu + u);

    // Largest total noise variance factor over allowed contributor counts: k / (k - t), at k = h + t.
    double noiseFactor = (double) (h + t) / h;
    double half = Math.scalb(1.0, bits - 1) - 1; // |y| <= m/2 - 1 decodes without ambiguity
    double vMax = half * half / (2 * Math.log(4.0 * paddedD / p));
    double perScale2 = Math.pow(batchBound * c, 2) / paddedD + noiseFactor * sigma * sigma * c * c;
    // v(s) = s^2 perScale2 + B/4 + noiseFactor (the +noiseFactor covers rounding the variance up).
    double s2 = (vMax - batchBound / 4.0 - noiseFactor) / perScale2;
    if (!(s2 >= 1)) {
      throw new DpParameterException("bits", String.format(Locale.ROOT,
          "a %d-bit ring cannot hold a batch of up to %d units of norm %.4g plus noise %.4g without wrap-around"
              + " at probability %.3g; use more bits", bits, batchBound, c, sigma * c, p));
    }
    // Cap the scale so shares stay within the sampler's range and sums within a long.
    double scale = Math.min(Math.sqrt(s2), 1e9 / (sigma * c));
    BigDecimal target = new BigDecimal(sigma * c * scale);
    long totalVariance = target.multiply(target).setScale(0, java.math.RoundingMode.CEILING).longValueExact();

    // KLS Theorem 1 (conditional randomized rounding): with probability >= 1 - beta,
    // ||round(s x)||_2^2 <= (Cs)^2 + D/4 + sqrt(2 ln(1/beta)) (Cs + sqrt(D)/2); always <= (Cs + sqrt(D))^2.
    double cs = c * scale;
    double bound1 = Math.pow(cs + Math.sqrt(paddedD), 2);
    double bound2 = beta == 0 ? Double.POSITIVE_INFINITY
        : cs * cs + paddedD / 4.0 + Math.sqrt(2 * Math.log(1 / beta)) * (cs + Math.sqrt(paddedD) / 2);
    long normSq = (long) Math.floor(Math.min(bound1, bound2));

    // Theorem 1 of KLS needs each share's sigma >= 1/2: the smallest share is totalVariance / (n - t).
    if (totalVariance < (n - t) / 4.0) {
      throw new DpParameterException("noiseMultiplier", "each node's noise share would be below the 1/2 the"
          + " distributed discrete Gaussian bound needs; use more bits or fewer nodes");
    }
    double vFinal = scale * scale * Math.pow(batchBound * c, 2) / paddedD + batchBound / 4.0
        + noiseFactor * totalVariance;
    double wrap = Math.exp(-u * u / (2 * (mu + u / 3)))
        + Math.min(1, 2.0 * paddedD * Math.exp(-half * half / (2 * vFinal)));
    return new DistributedDpParameters(c, sigma, d, paddedD, n, h, t, mu, bits, beta, scale, totalVariance, normSq,
        batchBound, Math.min(1, wrap));
  }

  /** gamma = 1/s, the rounding granularity in the model's units. */
  public double gamma() {
    return 1 / scale;
  }

  /** m = 2^bits. */
  public long modulus() {
    return 1L << bits;
  }

  /**
   * Delta_2: an upper bound (in double, rounded up) on sqrt({@link #roundedNormBoundSquared()}), the
   * L2 sensitivity of the integer sum to one unit.
   */
  public double roundedNormBound() {
    double r = Math.sqrt((double) roundedNormBoundSquared);
    BigDecimal sq = BigDecimal.valueOf(roundedNormBoundSquared);
    while (new BigDecimal(r).pow(2).compareTo(sq) < 0) {
      r = Math.nextUp(r);
    }
    return r;
  }

  /**
   * sqrt(totalVariance) / Delta_2: the noise multiplier the accountant effectively sees once the
   * rounding's norm inflation is in the sensitivity (sigma when the inflation is negligible).
   */
  public double effectiveNoiseMultiplier() {
    return Math.sqrt((double) totalVariance) / roundedNormBound();
  }

  /** Checks a round's contributor count k: refuses k - t below minHonest, or k above maxNodes. */
  public void checkContributors(int k) throws DpParameterException {
    if (k - colludersTolerated < minHonest) {
      throw new DpParameterException("contributors", "refusing the round: " + k + " contributing node(s)"
          + (colludersTolerated > 0 ? " less " + colludersTolerated + " tolerated colluder(s)" : "")
          + " is below this node's min_honest floor of " + minHonest);
    }
    if (k > maxNodes) {
      throw new DpParameterException("contributors", "refusing the round: " + k
          + " contributing nodes exceed the job's maxNodes " + maxNodes + " (the noise shares would be too small)");
    }
  }

  /** A node's share of the noise variance when k nodes contribute: totalVariance / (k - t), as num/den. */
  public BigInteger[] shareVariance(int k) throws DpParameterException {
    checkContributors(k);
    return new BigInteger[] {BigInteger.valueOf(totalVariance), BigInteger.valueOf(k - colludersTolerated)};
  }

  /** A readable, multi-line account of every chosen value. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("distributed DP-SGD (Kairouz, Liu & Steinke 2021, distributed discrete Gaussian)\n");
    b.append(String.format(Locale.ROOT, "  job: C=%s sigma=%s d=%d (rotated in D=%d) nodes<=%d min_honest=%d"
        + " colluders_tolerated=%d expected_batch=%s%n", clipNorm, noiseMultiplier, dimension, paddedDimension,
        maxNodes, minHonest, colludersTolerated, expectedBatchSize));
    b.append(String.format(Locale.ROOT, "  ring: %d bits (m=2^%d), scale 1/gamma=%.6g (gamma=%.4g)%n", bits, bits,
        scale, gamma()));
    b.append(String.format(Locale.ROOT, "  rounding: conditional randomized, beta=%.4g, per-unit ||z||_2 <= %.6g"
        + " (C/gamma=%.6g, inflation x%.6f)%n", beta, roundedNormBound(), clipNorm * scale,
        roundedNormBound() / (clipNorm * scale)));
    b.append(String.format(Locale.ROOT, "  noise: total discrete Gaussian variance %d (stddev %.6g = sigma*C/gamma),"
        + " per node %d/(k-%d) for k contributors; all %d: stddev %.6g each; floor %d: stddev %.6g each%n",
        totalVariance, Math.sqrt(totalVariance), totalVariance, colludersTolerated, maxNodes,
        Math.sqrt((double) totalVariance / (maxNodes - colludersTolerated)), minHonest + colludersTolerated,
        Math.sqrt((double) totalVariance / minHonest)));
    b.append(String.format(Locale.ROOT, "  effective noise multiplier (rounding inflation included): %.6g%n",
        effectiveNoiseMultiplier()));
    b.append(String.format(Locale.ROOT, "  wrap-around: batch <= %d w.h.p.; P[any coordinate wraps] <= %.3g per round%n",
        batchBound, wrapProbability));
    return b.toString();
  }
}
