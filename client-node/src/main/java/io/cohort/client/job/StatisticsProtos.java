package io.cohort.client.job;

import io.cohort.client.tabular.FeatureStatistics;
import io.cohort.proto.v1.CategoryCounts;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.TabularSpec;
import io.cohort.wire.StatisticsWords;
import java.util.Arrays;

/** Issue 23 #2: the node's {@link FeatureStatistics} and the wire's {@link FederationStatistics}, both ways. */
final class StatisticsProtos {
  private StatisticsProtos() {}

  static FederationStatistics toProto(FeatureStatistics s) {
    FederationStatistics.Builder b = FederationStatistics.newBuilder().setNodes(1);
    Arrays.stream(s.numericCount()).forEach(b::addNumericCount);
    Arrays.stream(s.numericSum()).forEach(b::addNumericSum);
    Arrays.stream(s.numericSumOfSquares()).forEach(b::addNumericSumOfSquares);
    for (double[] counts : s.categoryCounts()) {
      CategoryCounts.Builder c = CategoryCounts.newBuilder();
      Arrays.stream(counts).forEach(c::addCounts);
      b.addCategoryCounts(c);
    }
    Arrays.stream(s.classCounts()).forEach(b::addClassCounts);
    return b.build();
  }

  /**
   * @throws IllegalArgumentException when the statistics do not fit the job's columns and classes,
   *     or hold a value that is not finite
   */
  static FeatureStatistics fromProto(TabularSpec t, FederationStatistics s) {
    for (double v : StatisticsWords.flatten(t, s)) { // checks the shape too
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("the federation's feature statistics hold a value that is not finite");
      }
    }
    double[][] categories = s.getCategoryCountsList().stream()
        .map(c -> c.getCountsList().stream().mapToDouble(Double::doubleValue).toArray()).toArray(double[][]::new);
    return new FeatureStatistics(array(s.getNumericCountList()), array(s.getNumericSumList()),
        array(s.getNumericSumOfSquaresList()), categories, array(s.getClassCountsList()));
  }

  private static double[] array(java.util.List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
