package io.cohort.client.cli;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.runtime.CoordinatorChannels;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import io.cohort.proto.v1.HeartbeatRequest;
import io.cohort.proto.v1.NodeServiceGrpc;
import io.cohort.proto.v1.SessionRef;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code cohort-node status}: what an operator checks first. The certificate (subject, expiry,
 * CA), whether the coordinator accepts it right now, and the datasets this node offers with each
 * one's privacy budget: epsilon and delta from node.yaml, spent and remaining from the dataset's
 * signed ledger, verified (the numbers of {@code privacy budget}), the budget reserved for
 * accepted jobs, and whether the ledger is behind its local anchor or the coordinator's last
 * acknowledged entry (rolled back: exit 1).
 *
 * <p>The connection probe is a heartbeat for a session that does not exist: the coordinator
 * checks the certificate before the session, so UNAUTHENTICATED about the session means the
 * certificate was accepted, and PERMISSION_DENIED means it was revoked. It never disturbs the
 * running daemon's session.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show this node's certificate, whether the coordinator accepts it, its datasets and their remaining"
        + " privacy budgets and the coordinator audit head it witnessed (exit 1 when a privacy ledger does not verify"
        + " or was rolled back, or the coordinator's audit log went backwards; 3 when the"
        + " coordinator refuses this node's certificate: revoked).")
final class StatusCommand implements Callable<Integer> {
  private static final String PROBE_SESSION = "status-probe";
  /** Exit code when the coordinator refuses the node's certificate (revoked): issue 22 finding #9. */
  static final int REFUSED = 3;

  @Mixin ConfigFile config = new ConfigFile();

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg = config.load();
    System.out.println("node:          " + cfg.nodeId());
    System.out.println("coordinator:   " + cfg.coordinatorHost() + ":" + cfg.coordinatorPort()
        + (cfg.plaintext() ? "  (PLAINTEXT development mode)" : "  (mutual TLS)"));
    if (!cfg.plaintext()) {
      printCertificate(cfg);
    }
    String connection = probe(cfg);
    System.out.println("connection:    " + connection);
    System.out.println("datasets:");
    int status = ExitCode.OK.code();
    for (DatasetBudgets.DatasetBudget b : DatasetBudgets.read(cfg)) {
      NodeConfig.Dataset d = cfg.dataset(b.alias()).orElseThrow();
      System.out.println("  " + d.alias() + "  " + (Files.isReadable(d.path()) ? "readable" : "NOT READABLE: " + d.path())
          + "  " + budgetLine(b));
      status = b.sound() ? status : 1;
    }
    status = auditHead(cfg) ? status : ExitCode.FAILED.code();
    return connection.startsWith("REVOKED") ? REFUSED : status;
  }

  /** The witnessed coordinator audit head (issue 22 #7); false when a conflict was recorded. */
  private static boolean auditHead(NodeConfig cfg) {
    try {
      var w = io.cohort.crypto.witness.AuditHeadWitness.open(io.cohort.client.runtime.AuditHeads.pathFor(cfg));
      System.out.println("audit head:    " + w.head().map(h -> "entry " + h.head().seq() + " "
          + h.head().entryHash().substring(0, 16) + "… signed by " + h.head().signerFingerprint() + ", seen "
          + h.seenAt()).orElse("none witnessed yet"));
      if (w.conflicts().isEmpty()) {
        return true;
      }
      var last = w.conflicts().get(w.conflicts().size() - 1);
      System.out.println("AUDIT LOG CONFLICT (" + w.conflicts().size() + " recorded, last " + last.at() + "): "
          + last.message() + "; see `cohort-node audit-head`");
      return false;
    } catch (java.io.IOException e) {
      System.out.println("audit head:    UNREADABLE (" + e.getMessage() + ")");
      return false;
    }
  }

  /** The dataset's budget and what its signed ledger says remains (the numbers of {@code privacy budget}). */
  static String budgetLine(DatasetBudgets.DatasetBudget b) {
    if (b.budget().isEmpty()) {
      return "no privacy budget (non-private jobs only)";
    }
    NodeConfig.Budget budget = b.budget().get();
    String ledger = b.rollback().isPresent()
        ? "LEDGER ROLLED BACK: it " + b.rollback().get() + "; this node refuses offers and rounds on it"
        : b.verification().isEmpty() ? "no ledger yet"
        : b.verifies() ? b.entries().size() + " ledger entries, verified"
        : "LEDGER DOES NOT VERIFY (" + b.verification().get() + ")";
    return String.format(Locale.ROOT,
        "epsilon budget %s at delta %s (%s), spent %.4f, reserved %.4f (%d accepted jobs), remaining %.4f; %s",
        budget.epsilonBudget(), budget.delta(), budget.accountant(), b.spentEpsilon(), b.reservedEpsilon(),
        b.reservedJobs(), b.remainingEpsilon(), ledger);
  }

  private static void printCertificate(NodeConfig cfg) {
    try {
      X509Certificate leaf = Pem.readCertificates(cfg.certificate()).get(0);
      X509Certificate ca = Pem.readCertificates(cfg.caCertificate()).get(0);
      Duration left = Duration.between(Instant.now(), leaf.getNotAfter().toInstant());
      System.out.println("certificate:   " + leaf.getSubjectX500Principal().getName() + ", serial "
          + leaf.getSerialNumber().toString(16) + ", expires " + leaf.getNotAfter().toInstant()
          + (left.isNegative() ? "  EXPIRED" : "  (" + left.toDays() + " days left)"));
      // What other members pin in their trust.members (issue 21 #3) to count this node by certificate.
      System.out.println("fingerprint:   " + TlsMaterial.fingerprint(leaf) + " (sha256; pin it in other members'"
          + " trust.members)");
      System.out.println("federation CA: " + TlsMaterial.fingerprint(ca));
    } catch (PkiException e) {
      System.out.println("certificate:   none (" + e.getMessage() + ")");
    }
  }

  private static String probe(NodeConfig cfg) throws InterruptedException {
    ManagedChannel channel;
    try {
      channel = CoordinatorChannels.open(cfg, 1 << 20);
    } catch (PkiException e) {
      return "not attempted: " + e.getMessage();
    }
    try {
      NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).heartbeat(HeartbeatRequest
          .newBuilder().setSession(SessionRef.newBuilder().setNodeId(cfg.nodeId()).setSessionId(PROBE_SESSION)).build());
      return "connected";
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      String why = e.getStatus().getDescription();
      if (code == Status.Code.UNAUTHENTICATED && why != null && why.contains("no current session")) {
        return "connected, certificate accepted";
      }
      if (code == Status.Code.PERMISSION_DENIED) {
        // The certificate check comes before the session: this node is revoked (or not who it says).
        return "REVOKED: the coordinator refuses this node's certificate" + (why == null ? "" : " (" + why + ")");
      }
      return "REFUSED or unreachable (" + code + (why == null ? "" : ": " + why) + ")";
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
