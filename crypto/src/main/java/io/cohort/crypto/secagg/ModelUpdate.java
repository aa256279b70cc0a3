package io.cohort.crypto.secagg;

/**
 * A node's input to one round: d float coordinates (already clipped and noised by the DP layer, if
 * any) and its example count, the weight used with {@link SecAggParameters.Weighting#EXAMPLE_COUNT}.
 * The array is not copied (it is the size of the model); the caller must not change it while a
 * masked input is being computed.
 */
public final class ModelUpdate {
  private final float[] values;
  private final int[] encodedWords;
  private final long exampleCount;

  public ModelUpdate(float[] values, long exampleCount) {
    this(java.util.Objects.requireNonNull(values, "values"), null, exampleCount);
  }

  private ModelUpdate(float[] values, int[] encodedWords, long exampleCount) {
    this.values = values;
    this.encodedWords = encodedWords;
    if (exampleCount < 0) {
      throw new IllegalArgumentException("exampleCount must be at least 0, got " + exampleCount);
    }
    this.exampleCount = exampleCount;
  }

  /**
   * An update already encoded as ring words by the caller (distributed DP's
   * {@code DistributedDpEncoder}: rounded, noised, reduced mod 2^b with 2^b dividing 2^32). The
   * words are masked as they are, with no quantisation and no weight scaling, so the coordinator's
   * unmasked sum is their exact sum in Z_2^32; the round's clip and bits do not apply to them.
   * Not copied.
   */
  public static ModelUpdate encoded(int[] words, long exampleCount) {
    return new ModelUpdate(null, java.util.Objects.requireNonNull(words, "words"), exampleCount);
  }

  /** Whether this update carries ring words ({@link #encoded}) rather than floats to quantise. */
  public boolean isEncoded() {
    return encodedWords != null;
  }

  /** The ring words of an {@link #encoded} update (not a copy); null for a float update. */
  public int[] encodedWords() {
    return encodedWords;
  }

  /** An update with weight 1 (for uniform weighting). */
  public static ModelUpdate unweighted(float[] values) {
    return new ModelUpdate(values, 1);
  }

  /** The float values; null for an {@link #encoded} update. */
  public float[] values() {
    return values;
  }

  public long exampleCount() {
    return exampleCount;
  }

  /**
   * Checks length, weight range and that every value is finite, so that NaN or infinity never
   * reaches the ring (docs/secagg-scenarios.md A8). Values beyond ±c are fine: they are clipped.
   */
  void validate(SecAggParameters p) {
    if ((encodedWords != null) != (p.encoding() == SecAggParameters.Encoding.RING_WORDS)) {
      throw new IllegalArgumentException(encodedWords != null ? "an encoded update needs a ring-word round"
          : "a ring-word round takes only encoded updates");
    }
    int length = encodedWords != null ? encodedWords.length : values.length;
    if (length != p.vectorLength()) {
      throw new IllegalArgumentException("update has " + length + " values, the round expects "
          + p.vectorLength());
    }
    if (p.weighting() == SecAggParameters.Weighting.EXAMPLE_COUNT && exampleCount > p.maxExampleCount()) {
      throw new IllegalArgumentException("exampleCount must be in [0, " + p.maxExampleCount() + "], got "
          + exampleCount);
    }
    for (int i = 0; values != null && i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException("update value " + i + " is " + values[i]
            + ": NaN and infinity are rejected before quantisation");
      }
    }
  }

  @Override
  public String toString() {
    return "ModelUpdate[d=" + (encodedWords != null ? encodedWords.length + " encoded words" : values.length)
        + ", exampleCount=" + exampleCount + "]";
  }
}
