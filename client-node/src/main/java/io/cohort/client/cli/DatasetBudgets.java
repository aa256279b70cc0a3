package io.cohort.client.cli;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.client.privacy.Reservations;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.ledger.LedgerAnchor;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Verification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Each dataset's privacy budget and what its signed ledger says was spent, verified under the
 * node's identity key. Read-only (the ledger is not locked), so operator commands can run while
 * the node does. Shared by {@code privacy budget}, {@code status} and {@code ledger}.
 */
final class DatasetBudgets {
  /**
   * One dataset.
   *
   * @param budget empty for a dataset without a privacy budget (non-private jobs only)
   * @param verification the ledger's verification; empty when there is no ledger file yet
   * @param rollback why the ledger is behind its local anchor or the coordinator's last
   *     acknowledgement (issue 22 #1); empty when it is not
   * @param reservedEpsilon epsilon reserved for accepted jobs on top of the spend (issue 22 #2)
   * @param reservedJobs how many accepted jobs hold a reservation
   */
  record DatasetBudget(String alias, Optional<NodeConfig.Budget> budget, Optional<Verification> verification,
      Optional<String> rollback, double reservedEpsilon, int reservedJobs) {
    /** Entries that verified, oldest first. */
    List<VerifiedLedgerEntry> entries() {
      return verification.map(Verification::entries).orElse(List.of());
    }

    double spentEpsilon() {
      List<VerifiedLedgerEntry> e = entries();
      return e.isEmpty() ? 0 : e.get(e.size() - 1).epsilonAfter();
    }

    /** Budget minus spent minus reserved: what a new offer can have. */
    double remainingEpsilon() {
      return budget.map(b -> Math.max(0, b.epsilonBudget() - spentEpsilon() - reservedEpsilon)).orElse(0.0);
    }

    /** Verifies and is not rolled back: the node can use it. */
    boolean sound() {
      return verifies() && rollback.isEmpty();
    }

    /** True unless a ledger exists and fails verification. */
    boolean verifies() {
      return verification.map(Verification::isValid).orElse(true);
    }
  }

  private DatasetBudgets() {}

  static List<DatasetBudget> read(NodeConfig cfg) throws IOException {
    Optional<IdentityPublicKey> key = Files.exists(cfg.identityKey())
        ? Optional.of(IdentityKeyPair.loadOrCreate(cfg.identityKey()).publicKey()) : Optional.empty();
    List<DatasetBudget> out = new ArrayList<>();
    for (NodeConfig.Dataset d : cfg.datasets()) {
      Optional<Verification> v = Optional.empty();
      Optional<String> rollback = Optional.empty();
      double reserved = 0;
      int reservedJobs = 0;
      if (d.budget().isPresent() && key.isPresent()) {
        NodeConfig.Budget b = d.budget().get();
        Path ledger = b.ledgerPath().toAbsolutePath();
        Verification verified = Files.exists(ledger)
            ? PrivacyLedger.verify(ledger, key.get(), DpPlanner.accountant(b.accountant()))
            : new Verification(Verification.Status.VALID, List.of(), -1, "");
        if (Files.exists(ledger)) {
          v = Optional.of(verified);
        }
        if (verified.isValid()) { // a ledger that does not verify is reported as such first
          rollback = LedgerAnchor.check(ledger, verified);
          List<Reservations.Reservation> rs = Reservations.read(ledger);
          reservedJobs = rs.size();
          try {
            reserved = Reservations.reservedEpsilon(rs, verified.entries(), DpPlanner.accountant(b.accountant()),
                b.delta());
          } catch (DpParameterException e) {
            throw new IOException("reservations of dataset '" + d.alias() + "': " + e.getMessage(), e);
          }
        }
      }
      out.add(new DatasetBudget(d.alias(), d.budget(), v, rollback, reserved, reservedJobs));
    }
    return out;
  }
}
