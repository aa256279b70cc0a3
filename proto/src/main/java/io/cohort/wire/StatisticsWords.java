package io.cohort.wire;

import io.cohort.proto.v1.CategoryCounts;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.TabularSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Issue 23 #2: a tabular job's feature statistics ({@link FederationStatistics}) as words that the
 * secure-aggregation library sums exactly. The library quantises each coordinate, clipped to
 * [-c, c], onto integers with step Δ = c / (2^(b-1) − 1); with b = {@value #QUANTIZATION_BITS} and
 * c = {@link #CLIP} the step is exactly 1, so a coordinate that is a whole number in [0, 2^15) passes
 * unchanged whatever the rounding. Each statistic becomes a signed fixed-point number with
 * {@value #FRACTION_BITS} fraction bits in 60-bit two's complement, cut into {@value #LIMBS} limbs of
 * 15 bits; the library sums each limb over the nodes (at most n · (2^15 − 1), no wrap below 65,536
 * nodes), and {@link #decode} carries the limb sums back together modulo 2^60. The sum is therefore
 * exact to 2^-16 per node, with no bound declared on any column (the secure sum of the model deltas,
 * by contrast, is clipped and quantised).
 *
 * <p>Both sides derive the layout from the job's {@link TabularSpec}: numeric counts, numeric sums,
 * numeric sums of squares, each categorical column's category counts, class counts.
 */
public final class StatisticsWords {
  public static final int QUANTIZATION_BITS = 16;
  /** c with step exactly 1: 2^15 − 1 levels of width 1. */
  public static final double CLIP = (1 << 15) - 1;
  public static final int FRACTION_BITS = 16;
  public static final int LIMB_BITS = 15;
  public static final int LIMBS = 4;
  /** The largest magnitude a statistic (or a federation's sum of it) may have: 2^(60 − 1 − 16). */
  public static final double MAX_MAGNITUDE = Math.scalb(1.0, LIMBS * LIMB_BITS - 1 - FRACTION_BITS);
  private static final long LIMB_MASK = (1L << LIMB_BITS) - 1;

  private StatisticsWords() {}

  /** L: the number of statistics of a job with tabular schema {@code t}. */
  public static int statistics(TabularSpec t) {
    int categories = 0;
    for (var c : t.getCategoricalColumnsList()) {
      categories += c.getCategoriesCount();
    }
    return 3 * t.getNumericColumnsCount() + categories + t.getClassesCount();
  }

  /** The secure-aggregation vector length: {@value #LIMBS} words per statistic. */
  public static int words(TabularSpec t) {
    return LIMBS * statistics(t);
  }

  /**
   * What the secure-aggregation session binds as the "model" of the statistics round (nodes and the
   * coordinator sign it in the consistency check): the encoding's version and the layout's length.
   */
  public static byte[] sessionHash(TabularSpec t) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(
          ("cohort-feature-statistics-v1\n" + statistics(t)).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * {@code s} in layout order.
   *
   * @throws IllegalArgumentException when its shape does not fit {@code t}
   */
  public static double[] flatten(TabularSpec t, FederationStatistics s) {
    int n = t.getNumericColumnsCount();
    if (s.getNumericCountCount() != n || s.getNumericSumCount() != n || s.getNumericSumOfSquaresCount() != n
        || s.getCategoryCountsCount() != t.getCategoricalColumnsCount() || s.getClassCountsCount() != t.getClassesCount()) {
      throw new IllegalArgumentException("feature statistics do not fit the job's columns and classes");
    }
    double[] out = new double[statistics(t)];
    int at = 0;
    for (int j = 0; j < n; j++) {
      out[at++] = s.getNumericCount(j);
    }
    for (int j = 0; j < n; j++) {
      out[at++] = s.getNumericSum(j);
    }
    for (int j = 0; j < n; j++) {
      out[at++] = s.getNumericSumOfSquares(j);
    }
    for (int j = 0; j < t.getCategoricalColumnsCount(); j++) {
      CategoryCounts c = s.getCategoryCounts(j);
      if (c.getCountsCount() != t.getCategoricalColumns(j).getCategoriesCount()) {
        throw new IllegalArgumentException("feature statistics of column '" + t.getCategoricalColumns(j).getName()
            + "' have " + c.getCountsCount() + " categories, the job declares "
            + t.getCategoricalColumns(j).getCategoriesCount());
      }
      for (double v : c.getCountsList()) {
        out[at++] = v;
      }
    }
    for (double v : s.getClassCountsList()) {
      out[at++] = v;
    }
    return out;
  }

  /** The inverse of {@link #flatten}: statistics of {@code t}'s layout from {@code values}. */
  public static FederationStatistics unflatten(TabularSpec t, double[] values, int nodes) {
    if (values.length != statistics(t)) {
      throw new IllegalArgumentException(values.length + " statistics, the job's layout has " + statistics(t));
    }
    int n = t.getNumericColumnsCount();
    FederationStatistics.Builder b = FederationStatistics.newBuilder().setNodes(nodes);
    int at = 0;
    for (int j = 0; j < n; j++) {
      b.addNumericCount(values[at++]);
    }
    for (int j = 0; j < n; j++) {
      b.addNumericSum(values[at++]);
    }
    for (int j = 0; j < n; j++) {
      b.addNumericSumOfSquares(values[at++]);
    }
    for (var column : t.getCategoricalColumnsList()) {
      CategoryCounts.Builder c = CategoryCounts.newBuilder();
      for (int k = 0; k < column.getCategoriesCount(); k++) {
        c.addCounts(values[at++]);
      }
      b.addCategoryCounts(c);
    }
    for (int k = 0; k < t.getClassesCount(); k++) {
      b.addClassCounts(values[at++]);
    }
    return b.build();
  }

  /**
   * One node's statistics as {@value #LIMBS} words each, every word a whole number in [0, 2^15).
   *
   * @throws IllegalArgumentException naming the position of a value that is not finite or whose
   *     magnitude exceeds {@link #MAX_MAGNITUDE}
   */
  public static float[] encode(double[] values) {
    float[] out = new float[LIMBS * values.length];
    for (int i = 0; i < values.length; i++) {
      double v = values[i];
      if (!Double.isFinite(v) || Math.abs(v) >= MAX_MAGNITUDE) {
        throw new IllegalArgumentException("feature statistic " + i + " is not finite or its magnitude is "
            + "2^43 or more, which the fixed-point encoding cannot carry");
      }
      long fixed = Math.round(Math.scalb(v, FRACTION_BITS));
      for (int k = 0; k < LIMBS; k++) {
        out[LIMBS * i + k] = (fixed >>> (LIMB_BITS * k)) & LIMB_MASK; // two's complement bits, low limb first
      }
    }
    return out;
  }

  /**
   * The sum of the nodes' statistics from the library's per-word sums ({@code AggregateResult.quantizedSum()}).
   *
   * @param wordSums the summed words, at least {@code LIMBS * statistics} of them; each a sum of
   *     non-negative limbs, read as an unsigned 32-bit number
   */
  public static double[] decode(int[] wordSums, int statistics) {
    double[] out = new double[statistics];
    for (int i = 0; i < statistics; i++) {
      long fixed = 0; // wraps modulo 2^64, of which only the low 60 bits are kept
      for (int k = 0; k < LIMBS; k++) {
        fixed += Integer.toUnsignedLong(wordSums[LIMBS * i + k]) << (LIMB_BITS * k);
      }
      int unused = 64 - LIMBS * LIMB_BITS;
      fixed = (fixed << unused) >> unused; // modulo 2^60, sign-extended
      out[i] = Math.scalb((double) fixed, -FRACTION_BITS);
    }
    return out;
  }
}
