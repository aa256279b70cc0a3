package io.cohort.crypto.secagg;

import io.cohort.crypto.Digests;
import io.cohort.crypto.secagg.internal.WireWriter;

/**
 * Immutable, validated parameters of one secure-aggregation configuration (Tink style: built
 * through a {@link Builder} that checks each value as it is set and the cross-field constraints in
 * {@link Builder#build()}). The cryptographic suite is fixed, not a parameter: X25519 (RFC 7748),
 * HKDF-SHA256 (RFC 5869), AES-256-GCM share encryption, Shamir over GF(2^255 - 19), AES-256-CTR
 * masks, Ed25519 signatures; about 128-bit security.
 *
 * <p>Constraints checked before any round (the state machine refuses a bad configuration up front; docs/secagg-scenarios.md A2):
 * <ul>
 *   <li>2 ≤ t ≤ n, n_min ≤ n, and t > (n + n_C) / 2 where n_C is the number of corrupt nodes
 *       tolerated: then a lying coordinator cannot collect t consistency signatures on two
 *       different survivor sets (Bonawitz et al. 2017, section 4 and appendix A; S3);
 *   <li>with the SecAgg+ k-regular graph (Bell et al. 2020), t is the Shamir threshold within a
 *       neighbourhood of k' + 1 holders (k' = min(k, n − 1)): k even, k'/2 + 1 ≤ t ≤ k' + 1; the
 *       consistency check still needs ⌊(n + n_C)/2⌋ + 1 signatures over the whole cohort
 *       ({@link #consistencyThreshold()}), so S3 holds as before;
 *   <li>n · (2^b − 1) < 2^32 and n · W_max < 2^32: the sum of n quantised coordinates, and of n
 *       weights, can never wrap in Z_2^32.
 * </ul>
 *
 * <p>Security guarantees: a built object always satisfies the constraints above; {@link
 * #fingerprint()} binds every field, and nodes sign it in the consistency check.
 */
public final class SecAggParameters {
  /** How the example-count weight travels in the extra (last) coordinate. */
  public enum Weighting {
    /** Every node has weight 1; the last coordinate counts survivors. */
    UNIFORM,
    /** Weight = the node's example count in [0, W_max]; values are pre-scaled by count / W_max. */
    EXAMPLE_COUNT
  }

  /** What a node's input words are. */
  public enum Encoding {
    /** Floats clipped to [-c, c] and quantised to b bits here (the default). */
    QUANTIZED,
    /**
     * Words the caller encoded itself over the whole ring Z_2^32 (distributed DP's encoder:
     * {@link ModelUpdate#encoded}): masked as they are, and any sum is a valid one, so the
     * coordinator's range check of the unmasked sum covers only the weight word. Uniform weights.
     */
    RING_WORDS
  }

  /** Rounding of quantised values. */
  public enum Rounding {
    /** Unbiased stochastic rounding (the default). */
    STOCHASTIC,
    /** Round half up; deterministic, for known-answer tests and reproducible simulations. */
    NEAREST
  }

  /** What a node does when a peer's encrypted share fails to decrypt or check (docs/secagg-scenarios.md C1). */
  public enum BadSharePolicy {
    /** Mark the share missing, report it, continue; the coordinator aborts only if it cannot rebuild. */
    CONTINUE,
    /** Abort the node (FCP's choice: simpler, but one bad peer can deny service). */
    ABORT
  }

  public static final int MAX_COHORT_SIZE = 10_000;
  /** d + 1 words of 4 bytes must fit one Java array. */
  public static final int MAX_VECTOR_LENGTH = (Integer.MAX_VALUE - 64) / 4 - 1;

  private final int maxCohortSize;
  private final int threshold;
  private final int minCohortSize;
  private final int corruptNodesTolerated;
  private final int vectorLength;
  private final int quantizationBits;
  private final double clipBound;
  private final Weighting weighting;
  private final long maxExampleCount;
  private final Rounding rounding;
  private final BadSharePolicy badSharePolicy;
  private final MaskingGraph.Kind graph;
  private final int degree;
  private final Encoding encoding;

  private SecAggParameters(Builder b) {
    maxCohortSize = b.maxCohortSize;
    threshold = b.threshold;
    minCohortSize = b.minCohortSize;
    corruptNodesTolerated = b.corruptNodesTolerated;
    vectorLength = b.vectorLength;
    quantizationBits = b.quantizationBits;
    clipBound = b.clipBound;
    weighting = b.weighting;
    maxExampleCount = b.weighting == Weighting.UNIFORM ? 1 : b.maxExampleCount;
    rounding = b.rounding;
    badSharePolicy = b.badSharePolicy;
    graph = b.graph;
    degree = b.graph == MaskingGraph.Kind.K_REGULAR ? b.degree : b.maxCohortSize - 1;
    encoding = b.encoding;
  }

  /**
   * The default profile for a cohort of up to {@code maxCohortSize} nodes and {@code vectorLength}
   * coordinates clipped to [-clipBound, clipBound]: t = ⌊2n/3⌋ + 1 (tolerates ⌈n/3⌉ − 1 dropouts
   * before unmasking fails, and t > n/2 against a lying coordinator), n_min = 3, 16-bit stochastic
   * quantisation, uniform weights, complete masking graph, continue past bad shares.
   */
  public static SecAggParameters recommended(int maxCohortSize, int vectorLength, double clipBound)
      throws InvalidSecAggParametersException {
    return builder()
        .maxCohortSize(maxCohortSize)
        .threshold(2 * maxCohortSize / 3 + 1)
        .minCohortSize(Math.min(3, maxCohortSize))
        .vectorLength(vectorLength)
        .quantizationBits(16)
        .clipBound(clipBound)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxCohortSize = maxCohortSize;
    b.threshold = threshold;
    b.minCohortSize = minCohortSize;
    b.corruptNodesTolerated = corruptNodesTolerated;
    b.vectorLength = vectorLength;
    b.quantizationBits = quantizationBits;
    b.clipBound = clipBound;
    b.weighting = weighting;
    b.maxExampleCount = maxExampleCount;
    b.rounding = rounding;
    b.badSharePolicy = badSharePolicy;
    b.graph = graph;
    b.degree = graph == MaskingGraph.Kind.K_REGULAR ? degree : 0;
    b.encoding = encoding;
    return b;
  }

  /** n: the largest cohort (number of key lists entries) a round may have. */
  public int maxCohortSize() {
    return maxCohortSize;
  }

  /** t: shares needed to rebuild a secret, and survivors needed at every stage. */
  public int threshold() {
    return threshold;
  }

  /** n_min: a node refuses to send its masked input to a smaller cohort (D7, S5). */
  public int minCohortSize() {
    return minCohortSize;
  }

  /**
   * Valid consistency signatures a node needs before it unmasks, and the coordinator before it asks:
   * t with the complete graph; with the k-regular graph, where t is local to a neighbourhood,
   * max(t, ⌊(n + n_C)/2⌋ + 1), so a lying coordinator still cannot get two survivor sets signed (S3).
   */
  public int consistencyThreshold() {
    return graph == MaskingGraph.Kind.COMPLETE ? threshold
        : Math.max(threshold, (maxCohortSize + corruptNodesTolerated) / 2 + 1);
  }

  /** Survivors needed before masking and summing: max(consistency threshold, n_min). */
  public int requiredSurvivors() {
    return Math.max(consistencyThreshold(), minCohortSize);
  }

  public int corruptNodesTolerated() {
    return corruptNodesTolerated;
  }

  /** d: model coordinates; the masked vector has d + 1 words, the last one the weight. */
  public int vectorLength() {
    return vectorLength;
  }

  public int maskedLengthWords() {
    return vectorLength + 1;
  }

  public int quantizationBits() {
    return quantizationBits;
  }

  public double clipBound() {
    return clipBound;
  }

  /** L = 2^(b-1) − 1: quantised values lie in [-L, L]. */
  public int quantizationLevels() {
    return (1 << (quantizationBits - 1)) - 1;
  }

  /** Δ = c / L. */
  public double stepSize() {
    return clipBound / quantizationLevels();
  }

  public Weighting weighting() {
    return weighting;
  }

  /** W_max: the largest example count a node may report (1 with uniform weights). */
  public long maxExampleCount() {
    return maxExampleCount;
  }

  public Rounding rounding() {
    return rounding;
  }

  public BadSharePolicy badSharePolicy() {
    return badSharePolicy;
  }

  public MaskingGraph.Kind graph() {
    return graph;
  }

  /** k: neighbours per node (n − 1 with the complete graph; a k ≥ n − 1 also means complete). */
  public int degree() {
    return degree;
  }

  public Encoding encoding() {
    return encoding;
  }

  /** SHA-256 over every field: what nodes sign as the configuration in the consistency check. */
  public byte[] fingerprint() {
    return Digests.sha256(new WireWriter().string("cohort/secagg/v1/parameters")
        .i32(maxCohortSize).i32(threshold).i32(minCohortSize).i32(corruptNodesTolerated)
        .i32(vectorLength).i32(quantizationBits).i64(Double.doubleToLongBits(clipBound))
        .string(weighting.name()).i64(maxExampleCount).string(rounding.name())
        .string(badSharePolicy.name()).string(graph.name()).i32(degree)
        // Appended only for ring words, so the fingerprints of quantised rounds are unchanged.
        .string(encoding == Encoding.RING_WORDS ? "RING_WORDS" : "").toByteArray());
  }

  @Override
  public String toString() {
    return "SecAggParameters[n=" + maxCohortSize + ", t=" + threshold + ", n_min=" + minCohortSize
        + ", n_C=" + corruptNodesTolerated + ", d=" + vectorLength + ", bits=" + quantizationBits
        + ", clip=" + clipBound + ", weighting=" + weighting + ", W_max=" + maxExampleCount
        + ", rounding=" + rounding + ", badShares=" + badSharePolicy + ", graph=" + graph
        + (graph == MaskingGraph.Kind.K_REGULAR ? "(k=" + degree + ")" : "")
        + (encoding == Encoding.RING_WORDS ? ", encoding=RING_WORDS" : "") + "]";
  }

  /** Checks each value as it is set; {@link #build()} checks the constraints between values. */
  public static final class Builder {
    private int maxCohortSize = -1;
    private int threshold = -1;
    private int minCohortSize = 3;
    private int corruptNodesTolerated;
    private int vectorLength = -1;
    private int quantizationBits = 16;
    private double clipBound = Double.NaN;
    private Weighting weighting = Weighting.UNIFORM;
    private long maxExampleCount = 1;
    private Rounding rounding = Rounding.STOCHASTIC;
    private BadSharePolicy badSharePolicy = BadSharePolicy.CONTINUE;
    private MaskingGraph.Kind graph = MaskingGraph.Kind.COMPLETE;
    private int degree;
    private Encoding encoding = Encoding.QUANTIZED;

    private Builder() {}

    private static void require(boolean ok, String message) throws InvalidSecAggParametersException {
      if (!ok) {
        throw new InvalidSecAggParametersException(message);
      }
    }

    public Builder maxCohortSize(int n) throws InvalidSecAggParametersException {
      require(n >= 2 && n <= MAX_COHORT_SIZE, "maxCohortSize must be in [2, " + MAX_COHORT_SIZE + "], got " + n);
      maxCohortSize = n;
      return this;
    }

    public Builder threshold(int t) throws InvalidSecAggParametersException {
      require(t >= 2, "threshold must be at least 2, got " + t);
      threshold = t;
      return this;
    }

    public Builder minCohortSize(int nMin) throws InvalidSecAggParametersException {
      require(nMin >= 2, "minCohortSize must be at least 2 (a sum of one input is that input), got " + nMin);
      minCohortSize = nMin;
      return this;
    }

    public Builder corruptNodesTolerated(int nC) throws InvalidSecAggParametersException {
      require(nC >= 0, "corruptNodesTolerated must be at least 0, got " + nC);
      corruptNodesTolerated = nC;
      return this;
    }

    public Builder vectorLength(int d) throws InvalidSecAggParametersException {
      require(d >= 1 && d <= MAX_VECTOR_LENGTH, "vectorLength must be in [1, " + MAX_VECTOR_LENGTH + "], got " + d);
      vectorLength = d;
      return this;
    }

    public Builder quantizationBits(int b) throws InvalidSecAggParametersException {
      require(b >= 2 && b <= 31, "quantizationBits must be in [2, 31], got " + b);
      quantizationBits = b;
      return this;
    }

    public Builder clipBound(double c) throws InvalidSecAggParametersException {
      require(Double.isFinite(c) && c > 0 && c <= 1e30, "clipBound must be finite and in (0, 1e30], got " + c);
      clipBound = c;
      return this;
    }

    /** Uniform weights (the default): every node weighs 1. */
    public Builder uniformWeights() {
      weighting = Weighting.UNIFORM;
      maxExampleCount = 1;
      return this;
    }

    /** Example-count weights in [0, maxExampleCount]. */
    public Builder exampleCountWeights(long maxExampleCount) throws InvalidSecAggParametersException {
      require(maxExampleCount >= 1 && maxExampleCount <= 0xFFFF_FFFFL,
          "maxExampleCount must be in [1, 2^32-1], got " + maxExampleCount);
      weighting = Weighting.EXAMPLE_COUNT;
      this.maxExampleCount = maxExampleCount;
      return this;
    }

    public Builder rounding(Rounding r) {
      rounding = java.util.Objects.requireNonNull(r, "rounding");
      return this;
    }

    public Builder badSharePolicy(BadSharePolicy p) {
      badSharePolicy = java.util.Objects.requireNonNull(p, "badSharePolicy");
      return this;
    }

    public Builder graph(MaskingGraph.Kind g) {
      graph = java.util.Objects.requireNonNull(g, "graph");
      return this;
    }

    /** The SecAgg+ k-regular graph with an even degree k ≥ 2 (threshold t then counts within k' + 1 holders). */
    public Builder kRegularGraph(int k) throws InvalidSecAggParametersException {
      require(k >= 2 && k % 2 == 0, "degree k of the k-regular masking graph must be even and at least 2, got " + k);
      graph = MaskingGraph.Kind.K_REGULAR;
      degree = k;
      return this;
    }

    /** Inputs are ring words the caller encoded ({@link Encoding#RING_WORDS}); needs uniform weights. */
    public Builder ringWords() {
      encoding = Encoding.RING_WORDS;
      return this;
    }

    public SecAggParameters build() throws InvalidSecAggParametersException {
      require(encoding == Encoding.QUANTIZED || weighting == Weighting.UNIFORM,
          "ring-word inputs take uniform weights (the weight word counts the inputs in the sum)");
      require(maxCohortSize > 0, "maxCohortSize is not set");
      require(threshold > 0, "threshold is not set");
      require(vectorLength > 0, "vectorLength is not set");
      require(!Double.isNaN(clipBound), "clipBound is not set");
      int n = maxCohortSize;
      require(threshold <= n, "threshold must be in [2, maxCohortSize=" + n + "], got " + threshold);
      require(minCohortSize <= n, "minCohortSize must be in [2, maxCohortSize=" + n + "], got " + minCohortSize);
      if (graph == MaskingGraph.Kind.K_REGULAR) {
        require(degree >= 2 && degree % 2 == 0, "the k-regular masking graph needs an even degree k >= 2, got " + degree);
        int holders = Math.min(degree, n - 1) + 1;
        require(threshold <= holders && 2L * threshold > holders, "threshold must be in [" + (holders / 2 + 1) + ", "
            + holders + "] for degree " + degree + " (shares go to k' + 1 = " + holders + " holders), got " + threshold);
      } else {
        require(2L * threshold > (long) n + corruptNodesTolerated,
            "threshold must exceed (n + n_C) / 2 = (" + n + " + " + corruptNodesTolerated + ") / 2 so a lying"
                + " coordinator cannot get t signatures on two survivor sets, got " + threshold);
      }
      long range = (1L << quantizationBits) - 1;
      require((long) n * range < (1L << 32), "n * (2^b - 1) = " + n + " * " + range + " = " + (n * range)
          + " would wrap Z_2^32 (must be < 2^32): lower quantizationBits or maxCohortSize");
      long w = weighting == Weighting.UNIFORM ? 1 : maxExampleCount;
      require((long) n * w < (1L << 32), "n * maxExampleCount = " + n + " * " + w + " = " + (n * w)
          + " would wrap the weight coordinate (must be < 2^32)");
      return new SecAggParameters(this);
    }
  }
}
