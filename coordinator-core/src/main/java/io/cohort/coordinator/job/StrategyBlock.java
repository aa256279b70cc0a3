package io.cohort.coordinator.job;

import io.cohort.proto.v1.AggregationStrategy;
import io.cohort.proto.v1.StrategySpec;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;

/**
 * Validates a job file's {@code strategy:} block: {@code kind} fedavg (the default) or fedadam
 * (Reddi et al. 2021) with server_learning_rate 0.01, beta1 0.9, beta2 0.99 and tau 1e-3 unless
 * given. FedAdam's settings are refused with fedavg rather than silently ignored.
 */
final class StrategyBlock {
  static final double DEFAULT_SERVER_LEARNING_RATE = 0.01;
  static final double DEFAULT_BETA1 = 0.9;
  static final double DEFAULT_BETA2 = 0.99;
  static final double DEFAULT_TAU = 1e-3;

  private StrategyBlock() {}

  static StrategySpec validate(JobFile.Strategy given, List<String> problems) {
    JobFile.Strategy s = given == null ? new JobFile.Strategy(null, null, null, null, null) : given;
    String kind = s.kind() == null ? "fedavg" : s.kind().strip().toLowerCase(Locale.ROOT);
    StrategySpec.Builder b = StrategySpec.newBuilder();
    switch (kind) {
      case "fedavg" -> {
        b.setKind(AggregationStrategy.AGGREGATION_STRATEGY_FEDAVG);
        if (s.serverLearningRate() != null || s.beta1() != null || s.beta2() != null || s.tau() != null) {
          problems.add("field 'strategy' sets server_learning_rate, beta1, beta2 or tau, which apply only to kind:"
              + " fedadam");
        }
      }
      case "fedadam" -> {
        b.setKind(AggregationStrategy.AGGREGATION_STRATEGY_FEDADAM);
        b.setServerLearningRate(inRange(s.serverLearningRate(), DEFAULT_SERVER_LEARNING_RATE, "server_learning_rate",
            v -> v > 0 && v <= 10, "(0, 10]", problems));
        b.setBeta1(inRange(s.beta1(), DEFAULT_BETA1, "beta1", v -> v >= 0 && v < 1, "[0, 1)", problems));
        b.setBeta2(inRange(s.beta2(), DEFAULT_BETA2, "beta2", v -> v >= 0 && v < 1, "[0, 1)", problems));
        b.setTau(inRange(s.tau(), DEFAULT_TAU, "tau", v -> v > 0 && v <= 1, "(0, 1]", problems));
      }
      default -> problems.add("field 'strategy.kind' must be fedavg or fedadam, got '" + s.kind() + "'");
    }
    return b.build();
  }

  private static double inRange(Double value, double dflt, String name, DoublePredicate check, String range,
      List<String> problems) {
    double v = value == null ? dflt : value;
    if (!check.test(v)) {
      problems.add("field 'strategy." + name + "' must be in " + range + ", got " + v);
    }
    return v;
  }
}
