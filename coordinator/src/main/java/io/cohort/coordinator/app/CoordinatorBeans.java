package io.cohort.coordinator.app;

import io.agroal.api.AgroalDataSource;
import io.cohort.coordinator.ledger.LedgerIntake;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.auth.TokenStore;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.cohort.coordinator.store.PrivacyStore;
import io.cohort.coordinator.store.ReservedBudgets;
import io.cohort.coordinator.round.JobScheduler;
import io.cohort.coordinator.round.RoundSettings;
import io.cohort.coordinator.store.AuditChainCheck;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.ServerStateFiles;
import io.cohort.coordinator.strategy.StrategyFactory;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** Produces the domain objects, which know nothing of Quarkus, from typed configuration. */
public class CoordinatorBeans {
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(CoordinatorBeans.class.getName());

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  private static AgroalDataSource dataSource(CoordinatorConfig config) {
    String name = config.database();
    if (!name.equals("h2") && !name.equals("postgresql")) {
      throw new IllegalArgumentException("cohort.database must be h2 or postgresql, got '" + name + "'");
    }
    return Arc.container().select(AgroalDataSource.class, new DataSource.DataSourceLiteral(name)).get();
  }

  /**
   * One audit log per coordinator; its newest head is also kept in {@code <data-dir>/audit.head}.
   *
   * <p>Issue 22 #7: the chain is verified here, before the log is handed to anything that appends
   * (every store depends on it, so no node registration or enrolment can append to a broken chain
   * and re-anchor it first), and a broken chain stops the start unless
   * {@code cohort.audit.allow-broken-chain=true}, which is itself audited.
   */
  @Produces
  @Singleton
  AuditLog auditLog(CoordinatorConfig config, Clock clock) {
    Path dir = Path.of(config.dataDir());
    try {
      io.cohort.crypto.keys.OwnerOnly.createDirectories(dir); // 0700 when created here (issue 22 #8)
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create the data directory " + dir, e);
    }
    AuditLog log = new AuditLog(dir.resolve("audit.head"));
    try {
      var warning = AuditChainCheck.atStartup(new JobStore(dataSource(config), log, clock),
          config.audit().allowBrokenChain());
      if (warning.isPresent()) {
        LOG.severe(warning.get());
      } else {
        var head = log.head().orElseThrow();
        LOG.info(() -> "audit log verified: head entry " + head.seq() + " " + head.hash());
      }
    } catch (AuditChainCheck.BrokenChainException e) {
      LOG.severe(e.getMessage());
      refuseToStart(config, e);
    }
    return log;
  }

  /**
   * Ends a start refused on a broken audit chain with the one line above, exit code 1. Thrown on,
   * the exception became Quarkus's multi-screen report of a failed injection with stack traces.
   * Nothing was written (the check only reads), so the process releases the database and halts;
   * halting also skips the shutdown hooks that would report the aborted start. In a test JVM the
   * exception is rethrown instead, so that a test cannot end its own JVM.
   */
  private static void refuseToStart(CoordinatorConfig config, AuditChainCheck.BrokenChainException e) {
    if (LaunchMode.current() == LaunchMode.TEST) {
      throw e;
    }
    try {
      dataSource(config).close();
    } catch (RuntimeException ignored) {
      // halting releases it anyway
    }
    for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) {
      h.flush();
    }
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(1);
  }

  @Produces
  @Singleton
  JobStore jobStore(CoordinatorConfig config, AuditLog audit, Clock clock) {
    return new JobStore(dataSource(config), audit, clock);
  }

  @Produces
  @Singleton
  LedgerEntryStore ledgerEntryStore(CoordinatorConfig config) {
    return new LedgerEntryStore(dataSource(config));
  }

  @Produces
  @Singleton
  ReservedBudgets reservedBudgets(Clock clock) {
    return new ReservedBudgets(clock);
  }

  @Produces
  @Singleton
  LedgerIntake ledgerIntake(LedgerEntryStore store, PrivacyStore privacy) {
    return new LedgerIntake(store, privacy);
  }

  @Produces
  @Singleton
  TokenStore tokenStore(CoordinatorConfig config, AuditLog audit, Clock clock) {
    return new TokenStore(dataSource(config), audit, clock);
  }

  @Produces
  @Singleton
  PrivacyStore privacyStore(CoordinatorConfig config, AuditLog audit, Clock clock) {
    return new PrivacyStore(dataSource(config), audit, clock);
  }

  @Produces
  @Singleton
  PrivacyAuditStore privacyAuditStore(CoordinatorConfig config, AuditLog audit, Clock clock) {
    return new PrivacyAuditStore(dataSource(config), audit, clock);
  }

  /** The nodes' signed receipts of each round's global model (issue 21 #6). */
  @Produces
  @Singleton
  io.cohort.coordinator.store.ModelReceiptStore modelReceiptStore(CoordinatorConfig config) {
    return new io.cohort.coordinator.store.ModelReceiptStore(dataSource(config));
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
      RoundSettings settings, CoordinatorConfig config, io.cohort.coordinator.tls.PkiContext pki) {
    StrategyFactory strategies = new StrategyFactory(
        new ServerStateFiles(Path.of(config.dataDir()).resolve("models"), config.maxModelBytes()));
    JobScheduler scheduler = new JobScheduler(store, models, registry, strategies, clock, settings);
    // Issue 21 #2: each secure round relays the CA's current CRL, so nodes check revocation themselves.
    scheduler.identities().setRevocationList(() -> {
      if (pki.plaintextDev()) {
        return new byte[0];
      }
      try {
        return pki.revocationList(Duration.ofHours(24)).der();
      } catch (io.cohort.crypto.pki.PkiException | RuntimeException e) {
        return new byte[0];
      }
    });
    return scheduler;
  }
}
