package io.cohort.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.LedgerEntry;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Verification;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacySpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The private parts of {@code cohort simulate}: each simulated node's budget, the job without its
 * privacy block for the comparison run, and the nodes' own ledgers read back (and verified under
 * each node's identity key) to print the epsilon each node spent per round.
 */
final class PrivateSimulation {
  /** Budget the simulated nodes get when the job gives sigma rather than a target epsilon. */
  static final double DEFAULT_BUDGET = 8;
  private final PrintStream out;

  PrivateSimulation(PrintStream out) {
    this.out = out;
  }

  /** A simulated dataset's budget, written into each node.yaml (the nodes' default RDP ledger). */
  record Budget(double epsilon, double delta) {
    String yaml() {
      return "    epsilon_budget: " + epsilon + "\n    delta: " + delta + "\n";
    }
  }

  static Budget budget(JobSpec spec, Double override) {
    PrivacySpec p = spec.getPrivacy();
    double eps = override != null ? override : p.getTargetEpsilon() > 0 ? p.getTargetEpsilon() : DEFAULT_BUDGET;
    return new Budget(eps, p.getDelta() > 0 ? p.getDelta() : 1e-5);
  }

  static String describe(JobSpec spec) {
    PrivacySpec p = spec.getPrivacy();
    return p.getTargetEpsilon() > 0
        ? String.format(Locale.ROOT, "eps=%s delta=%s", p.getTargetEpsilon(), p.getDelta())
        : String.format(Locale.ROOT, "sigma=%s", p.getNoiseMultiplier());
  }

  /** The job file without its {@code privacy:} block (comments are not kept). */
  static String withoutPrivacy(String yaml) throws IOException {
    YAMLMapper m = new YAMLMapper();
    ObjectNode root = (ObjectNode) m.readTree(yaml);
    root.remove("privacy");
    if (root.hasNonNull("name")) {
      root.put("name", root.get("name").asText() + "-non-private");
    }
    return m.writeValueAsString(root);
  }

  /**
   * One line with the cumulative epsilon each node's ledger records after {@code round} (read
   * while the job runs; the full verification comes with {@link #printLedgers}).
   */
  static String spentAfter(Path runDir, int nodes, String alias, int round) {
    StringBuilder line = new StringBuilder("epsilon spent so far (node ledgers):");
    for (int i = 1; i <= nodes; i++) {
      String node = "node" + i;
      Path ledger = runDir.resolve(node + "." + alias + ".ledger");
      Path key = runDir.resolve(node + ".identity.key");
      String spent = "-";
      try {
        if (Files.exists(ledger) && Files.exists(key)) {
          Verification v = PrivacyLedger.verify(ledger, IdentityKeyPair.loadOrCreate(key).publicKey(),
              RdpAccountant.create());
          for (LedgerEntry e : v.entries()) {
            if (e.spend().round() <= round) {
              spent = String.format(Locale.ROOT, "%.3f", e.epsilonAfter());
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        spent = "unreadable (" + e.getMessage() + ")";
      }
      line.append(' ').append(node).append(' ').append(spent);
    }
    return line.toString();
  }

  /** Prints each node's ledger: verified under its identity key, then the cumulative epsilon after each round. */
  void printLedgers(Path runDir, int nodes, String alias, Budget budget) throws IOException {
    out.println();
    out.printf(Locale.ROOT, "privacy spent, from each node's own signed ledger (RDP, delta %s, budget epsilon %s):%n",
        budget.delta(), budget.epsilon());
    for (int i = 1; i <= nodes; i++) {
      String node = "node" + i;
      Path ledger = runDir.resolve(node + "." + alias + ".ledger");
      Path key = runDir.resolve(node + ".identity.key");
      if (!Files.exists(ledger) || !Files.exists(key)) {
        out.println("  " + node + ": no ledger (it took part in no private round)");
        continue;
      }
      Verification v = PrivacyLedger.verify(ledger, IdentityKeyPair.loadOrCreate(key).publicKey(),
          RdpAccountant.create());
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s (%s):", node,
          v.isValid() ? "ledger verifies" : "LEDGER DOES NOT VERIFY: " + v));
      double last = 0;
      for (LedgerEntry e : v.entries()) {
        line.append(String.format(Locale.ROOT, " r%d %.3f", e.spend().round(), e.epsilonAfter()));
        last = e.epsilonAfter();
      }
      line.append(String.format(Locale.ROOT, "  -> epsilon %.3f of %s%s", last, budget.epsilon(),
          last <= budget.epsilon() ? "" : "  OVER BUDGET"));
      out.println(line);
    }
  }
}
