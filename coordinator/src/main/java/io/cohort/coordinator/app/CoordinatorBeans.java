package io.cohort.coordinator.app;

import io.agroal.api.AgroalDataSource;
import io.cohort.coordinator.ledger.LedgerIntake;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.round.JobScheduler;
import io.cohort.coordinator.round.RoundSettings;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.strategy.FedAvg;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** Produces the domain objects, which know nothing of Quarkus, from typed configuration. */
public class CoordinatorBeans {

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Produces
  @Singleton
  JobStore jobStore(CoordinatorConfig config) {
    String name = config.database();
    if (!name.equals("h2") && !name.equals("postgresql")) {
      throw new IllegalArgumentException("cohort.database must be h2 or postgresql, got '" + name + "'");
    }
    return new JobStore(dataSource(config));
  }

  private static AgroalDataSource dataSource(CoordinatorConfig config) {
    return Arc.container().select(AgroalDataSource.class, new DataSource.DataSourceLiteral(config.database())).get();
  }

  @Produces
  @Singleton
  LedgerEntryStore ledgerEntryStore(CoordinatorConfig config) {
    return new LedgerEntryStore(dataSource(config));
  }

  @Produces
  @Singleton
  LedgerIntake ledgerIntake(LedgerEntryStore store) {
    return new LedgerIntake(store);
  }

  @Produces
  @Singleton
  ModelStore modelStore(CoordinatorConfig config) {
    return new ModelStore(Path.of(config.dataDir()).resolve("models"), config.maxModelBytes());
  }

  @Produces
  @Singleton
  NodeRegistry nodeRegistry(CoordinatorConfig config, Clock clock) {
    return new NodeRegistry(clock, config.heartbeatInterval());
  }

  @Produces
  @Singleton
  RoundSettings roundSettings(CoordinatorConfig config) {
    return new RoundSettings(config.evaluationTimeout(), config.maxRoundAttempts(), Duration.ofMillis(100),
        config.maxModelBytes());
  }

  @Produces
  @Singleton
  JobScheduler jobScheduler(JobStore store, ModelStore models, NodeRegistry registry, Clock clock,
      RoundSettings settings) {
    return new JobScheduler(store, models, registry, new FedAvg(), clock, settings);
  }
}
