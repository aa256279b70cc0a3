package io.cohort.coordinator.metrics;

import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.store.RoundRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * The coordinator's metrics, scraped at {@code /q/metrics} in Prometheus format. Names (after
 * Prometheus renaming): {@code cohort_rounds_completed_total{mode}}, {@code cohort_round_duration_seconds},
 * {@code cohort_round_participants}, {@code cohort_round_contributors},
 * {@code cohort_round_attempts_failed_total}, {@code cohort_aggregation_seconds{mode}},
 * {@code cohort_offer_answers_total{answer}}, {@code cohort_grpc_received_bytes_total{method}} and
 * {@code cohort_nodes_connected}. No label carries a job or node id, so cardinality stays bounded.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // registers the meters (and the gauge) before the first scrape
public class CoordinatorMetrics {
  @Inject MeterRegistry registry;
  @Inject NodeRegistry nodes;

  private Timer roundDuration;
  private DistributionSummary participants;
  private DistributionSummary contributors;
  private Counter attemptsFailed;

  @PostConstruct
  void init() {
    roundDuration = Timer.builder("cohort.round.duration").description("Wall time of a completed round, first task to"
        + " stored model").publishPercentileHistogram().register(registry);
    participants = DistributionSummary.builder("cohort.round.participants")
        .description("Nodes sent a task in a completed round").register(registry);
    contributors = DistributionSummary.builder("cohort.round.contributors")
        .description("Nodes whose update is in a completed round's aggregate").register(registry);
    attemptsFailed = Counter.builder("cohort.round.attempts.failed")
        .description("Round attempts that ended without a result").register(registry);
    Gauge.builder("cohort.nodes.connected", nodes, n -> n.liveSessions().size())
        .description("Nodes with a live session").register(registry);
  }

  public void roundCompleted(RoundRecord r, Duration aggregation, boolean secure) {
    String mode = secure ? "secure" : "plain";
    registry.counter("cohort.rounds.completed", "mode", mode).increment();
    roundDuration.record(Duration.between(r.startedAt(), r.completedAt()));
    participants.record(r.participants().size());
    contributors.record(r.contributors().size());
    Timer.builder("cohort.aggregation").description("Time to aggregate a round (under secure aggregation: the whole"
        + " protocol, key advertisement to unmasking)").tag("mode", mode).register(registry).record(aggregation);
  }

  public void roundAttemptFailed() {
    attemptsFailed.increment();
  }

  public void offerAnswered(boolean accepted) {
    registry.counter("cohort.offer.answers", "answer", accepted ? "accepted" : "declined").increment();
  }

  public void bytesReceived(String method, long bytes) {
    registry.counter("cohort.grpc.received.bytes", "method", method).increment(bytes);
  }
}
