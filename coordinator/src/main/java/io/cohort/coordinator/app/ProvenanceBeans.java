package io.cohort.coordinator.app;

import io.cohort.coordinator.provenance.ProvenanceKey;
import io.cohort.coordinator.provenance.ProvenanceService;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The provenance signing key (created at the first start, 0600) and the manifest service. */
public class ProvenanceBeans {
  private static final Logger LOG = Logger.getLogger(ProvenanceBeans.class.getName());

  @Produces
  @Singleton
  @Startup
  ProvenanceKey provenanceKey(CoordinatorConfig config) {
    try {
      ProvenanceKey key = ProvenanceKey.loadOrCreate(Path.of(config.dataDir()));
      LOG.info(() -> "provenance manifests are signed with Ed25519 key " + key.fingerprint());
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load or create the provenance key in " + config.dataDir(), e);
    }
  }

  @Produces
  @Singleton
  ProvenanceService provenanceService(JobStore jobs, LedgerEntryStore ledger, PrivacyAuditStore audits,
      ModelStore models, ProvenanceKey key, CoordinatorConfig config, Clock clock,
      io.cohort.coordinator.store.ModelReceiptStore receipts, io.cohort.coordinator.round.JobScheduler scheduler,
      @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
    return new ProvenanceService(jobs, ledger, audits, models, key, Path.of(config.dataDir()).resolve("provenance"), clock,
        "cohort-coordinator " + version)
        .withModelReceipts(receipts, () -> scheduler.identities().revocationListDer());
  }

  @Produces
  @Singleton
  io.cohort.coordinator.provenance.ModelReceiptIntake modelReceiptIntake(
      io.cohort.coordinator.store.ModelReceiptStore store, io.cohort.coordinator.round.JobScheduler scheduler,
      Clock clock) {
    return new io.cohort.coordinator.provenance.ModelReceiptIntake(store, scheduler.identities(), clock);
  }

  /** The audit head signed with the provenance key, sent to nodes with each heartbeat reply (issue 22 #7). */
  @Produces
  @Singleton
  io.cohort.coordinator.audit.SignedHeads signedAuditHeads(io.cohort.coordinator.audit.AuditLog log, ProvenanceKey key) {
    return new io.cohort.coordinator.audit.SignedHeads(log, key::signAuditHead);
  }
}
