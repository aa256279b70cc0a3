package io.cohort.client.cli;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Verification;
import java.io.IOException;
import java.nio.file.Files;
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
   */
  record DatasetBudget(String alias, Optional<NodeConfig.Budget> budget, Optional<Verification> verification) {
    /** Entries that verified, oldest first. */
    List<VerifiedLedgerEntry> entries() {
      return verification.map(Verification::entries).orElse(List.of());
    }

    double spentEpsilon() {
      List<VerifiedLedgerEntry> e = entries();
      return e.isEmpty() ? 0 : e.get(e.size() - 1).epsilonAfter();
    }

    double remainingEpsilon() {
      return budget.map(b -> Math.max(0, b.epsilonBudget() - spentEpsilon())).orElse(0.0);
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
      if (d.budget().isPresent() && key.isPresent() && Files.exists(d.budget().get().ledgerPath())) {
        NodeConfig.Budget b = d.budget().get();
        v = Optional.of(PrivacyLedger.verify(b.ledgerPath(), key.get(), DpPlanner.accountant(b.accountant())));
      }
      out.add(new DatasetBudget(d.alias(), d.budget(), v));
    }
    return out;
  }
}
