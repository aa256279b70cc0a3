package io.cohort.coordinator.strategy;

import io.cohort.proto.v1.AggregationStrategy;
import io.cohort.proto.v1.JobSpec;

/** Picks a job's strategy from {@code spec.strategy.kind}: FedAvg unless the job asks for FedAdam. */
public final class StrategyFactory {
  private final FedAvg fedAvg = new FedAvg();
  private final ServerStateStore state;

  public StrategyFactory(ServerStateStore state) {
    this.state = state;
  }

  /** The strategy of one job; FedAdam's hyper-parameters are checked here (defaults for zeros). */
  public Strategy forJob(JobSpec spec) {
    AggregationStrategy kind = spec.getStrategy().getKind();
    return switch (kind) {
      case AGGREGATION_STRATEGY_UNSPECIFIED, AGGREGATION_STRATEGY_FEDAVG -> fedAvg;
      case AGGREGATION_STRATEGY_FEDADAM -> new FedAdam(spec.getJobId(), FedAdam.Settings.of(spec.getStrategy()), state);
      case UNRECOGNIZED -> throw new IllegalArgumentException("job " + spec.getJobId()
          + ": unknown strategy kind " + spec.getStrategy().getKindValue() + "; valid: fedavg, fedadam");
    };
  }
}
