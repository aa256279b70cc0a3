package io.cohort.client.runtime;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.LocalTrainer;
import io.cohort.client.privacy.PrivacyGuard;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.pki.PkiException;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.DeclaredBudget;
import io.cohort.proto.v1.ReservedBudget;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The node's main loop. Dials out (never listens), registers, heartbeats on a side thread and
 * pulls tasks on the main one. When the coordinator goes away it reconnects with exponential
 * backoff and registers again; a rejected session (UNAUTHENTICATED) also triggers a new
 * registration.
 */
public final class NodeDaemon implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NodeDaemon.class.getName());
  private static final Duration PULL_WAIT = Duration.ofSeconds(10);
  static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private final NodeConfig config;
  private final String version;
  private final LocalTrainer trainer;
  private final ManagedChannel channel;
  private final CoordinatorClient client;
  private final IdentityKeyPair identity;
  private final PrivacyGuard privacy;
  private final AuditHeads auditHeads;
  private final io.cohort.client.trust.PeerVerifier peers;
  private Runnable afterLedgerRecord = () -> { };
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cohort-heartbeat");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean sessionValid = new AtomicBoolean();
  private volatile boolean stopped;

  public NodeDaemon(NodeConfig config, String version, LocalTrainer trainer) {
    this.config = config;
    this.version = version;
    this.trainer = trainer;
    try {
      this.channel = CoordinatorChannels.open(config, MAX_MESSAGE_BYTES);
    } catch (PkiException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    this.client = new CoordinatorClient(channel, config.rpcTimeout(), 4L << 30);
    client.setUploadLog(new UploadLog(UploadLog.pathFor(config), Clock.systemUTC()));
    try {
      this.identity = IdentityKeyPair.loadOrCreate(config.identityKey());
    } catch (IOException e) {
      channel.shutdownNow();
      throw new UncheckedIOException("cannot load or create the identity key " + config.identityKey(), e);
    }
    try {
      this.auditHeads = AuditHeads.open(config);
    } catch (IllegalStateException e) {
      channel.shutdownNow();
      throw e;
    }
    this.privacy = new PrivacyGuard(config, identity);
    try {
      this.peers = io.cohort.client.trust.PeerVerifier.forConfig(config, Clock.systemUTC());
    } catch (IllegalStateException e) {
      channel.shutdownNow();
      throw e;
    }
  }

  /** Test hook: see {@link TaskHandler#setAfterLedgerRecord}. */
  void setAfterLedgerRecord(Runnable hook) {
    this.afterLedgerRecord = hook;
  }

  /**
   * Reports every ledger entry again after registering, so spend recorded before a crash (or a
   * lost connection) reaches the coordinator; it ignores repeats. Jobs it no longer knows are
   * skipped.
   */
  private void reportLedgers() {
    try {
      for (var e : privacy.allEntriesByJob().entrySet()) {
        try {
          client.pushLedgerEntries(e.getKey(), e.getValue());
        } catch (StatusRuntimeException ex) {
          LOG.fine(() -> "ledger entries of job " + e.getKey() + " not taken: " + ex.getStatus());
        }
      }
    } catch (IOException e) {
      LOG.warning("cannot read the privacy ledgers: " + e.getMessage());
    }
  }

  /** Runs until {@link #close()} or interruption. */
  public void run() throws InterruptedException {
    Backoff backoff = new Backoff(Duration.ofMillis(200), config.maxBackoff());
    TaskHandler handler = new TaskHandler(client, trainer, Clock.systemUTC(), identity, config.nodeId(), privacy,
        peers);
    handler.setAfterLedgerRecord(afterLedgerRecord);
    while (!stopped) {
      ScheduledFuture<?> beat = null;
      try {
        var reg = client.registerOffering(config.nodeId(), version, offers(config), identity.publicKey().raw());
        sessionValid.set(true);
        backoff.reset();
        LOG.info("registered with coordinator " + config.coordinatorHost() + ":" + config.coordinatorPort()
            + " as node '" + config.nodeId() + "' offering " + config.aliases() + ", identity key "
            + identity.publicKey().hex());
        for (String problem : privacy.checkAcknowledged(reg.getLedgerAcksList())) {
          LOG.severe(problem); // issue 22 #1: a ledger behind what the coordinator stored was rolled back
        }
        reportLedgers();
        long interval = Math.max(100, reg.getHeartbeatIntervalMs());
        beat = heartbeats.scheduleWithFixedDelay(this::heartbeat, interval, interval, TimeUnit.MILLISECONDS);
        while (!stopped && sessionValid.get()) {
          var task = client.pullTask(PULL_WAIT);
          if (task.isPresent()) {
            handler.handle(task.get());
          }
        }
      } catch (StatusRuntimeException e) {
        if (stopped) {
          break;
        }
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNAUTHENTICATED) {
          LOG.info("coordinator no longer knows this session; registering again");
          continue;
        }
        Duration wait = backoff.next();
        LOG.warning("coordinator unreachable or refused (" + code + ": " + e.getStatus().getDescription()
            + "); retrying in " + wait.toMillis() + " ms");
        Thread.sleep(wait.toMillis());
        // The channel keeps its own reconnect backoff (growing towards minutes while the coordinator
        // is down), which made "retrying in N ms" untrue after a long outage: this loop's backoff,
        // capped at max_backoff_seconds, decides when to dial again.
        channel.resetConnectBackoff();
      } finally {
        if (beat != null) {
          beat.cancel(false);
        }
      }
    }
  }

  /**
   * The datasets this node offers, each with the budget node.yaml declares for it: the
   * coordinator shows it beside the spend the node's signed ledger reports, and cannot change it.
   */
  static java.util.List<DatasetOffer> offers(NodeConfig config) {
    return config.datasets().stream().map(d -> {
      DatasetOffer.Builder o = DatasetOffer.newBuilder().setAlias(d.alias()).setFormat(d.format());
      d.budget().ifPresent(b -> o.setBudget(DeclaredBudget.newBuilder().setEpsilon(b.epsilonBudget())
          .setDelta(b.delta()).setAccountant(b.accountant())));
      return o.build();
    }).toList();
  }

  private void heartbeat() {
    try {
      long sentAt = System.currentTimeMillis();
      var reply = client.heartbeat(privacy.reservedByDataset().stream().map(r -> ReservedBudget.newBuilder()
          .setDatasetAlias(r.alias()).setEpsilon(r.epsilon()).setJobs(r.jobs()).build()).toList());
      if (reply.hasAuditHead()) {
        auditHeads.observe(reply.getAuditHead()); // issue 22 #7
      }
      if (reply.hasActiveJobs()) {
        // Issue 22 #2: a job the coordinator no longer lists ended; what it reserved and did not spend is free.
        try {
          for (String job : privacy.releaseEnded(reply.getActiveJobs().getJobIdsList(), sentAt)) {
            LOG.info("job " + job + " ended: released its unspent privacy budget reservation");
          }
        } catch (IOException e) {
          LOG.warning("cannot release privacy budget reservations: " + e.getMessage());
        }
      }
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED) {
        // PERMISSION_DENIED: this node's certificate was revoked; the session ends here.
        sessionValid.set(false);
      }
      LOG.fine(() -> "heartbeat failed: " + e.getStatus());
    }
  }

  @Override
  public void close() {
    stopped = true;
    heartbeats.shutdownNow();
    try {
      privacy.close();
    } catch (IOException e) {
      LOG.warning("closing the privacy ledgers: " + e.getMessage());
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
