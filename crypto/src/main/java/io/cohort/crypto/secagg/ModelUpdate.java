package io.cohort.crypto.secagg;

/**
 * A node's input to one round: d float coordinates (already clipped and noised by the DP layer, if
 * any) and its example count, the weight used with {@link SecAggParameters.Weighting#EXAMPLE_COUNT}.
 * The array is not copied (it is the size of the model); the caller must not change it while a
 * masked input is being computed.
 */
public final class ModelUpdate {
  private final float[] values;
  private final long exampleCount;

  public ModelUpdate(float[] values, long exampleCount) {
    this.values = java.util.Objects.requireNonNull(values, "values");
    if (exampleCount < 0) {
      throw new IllegalArgumentException("exampleCount must be at least 0, got " + exampleCount);
    }
    this.exampleCount = exampleCount;
  }

  /** An update with weight 1 (for uniform weighting). */
  public static ModelUpdate unweighted(float[] values) {
    return new ModelUpdate(values, 1);
  }

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
    if (values.length != p.vectorLength()) {
      throw new IllegalArgumentException("update has " + values.length + " values, the round expects "
          + p.vectorLength());
    }
    if (p.weighting() == SecAggParameters.Weighting.EXAMPLE_COUNT && exampleCount > p.maxExampleCount()) {
      throw new IllegalArgumentException("exampleCount must be in [0, " + p.maxExampleCount() + "], got "
          + exampleCount);
    }
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException("update value " + i + " is " + values[i]
            + ": NaN and infinity are rejected before quantisation");
      }
    }
  }

  @Override
  public String toString() {
    return "ModelUpdate[d=" + values.length + ", exampleCount=" + exampleCount + "]";
  }
}
