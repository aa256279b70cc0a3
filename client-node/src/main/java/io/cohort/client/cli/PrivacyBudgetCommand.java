package io.cohort.client.cli;

import io.cohort.client.config.NodeConfig;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.crypto.ledger.Verification;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node privacy budget --config node.yaml}: each dataset's privacy budget, what its
 * ledger says was spent (verified under the node's identity key, read-only, so it works while
 * the node runs) and what remains, with the releases per job. Exit 0 when every ledger
 * verifies, 1 when one does not, 2 for a bad configuration.
 */
@Command(name = "budget", mixinStandardHelpOptions = true,
    description = "Show each dataset's privacy budget, the epsilon its signed ledger records as spent, and what remains.")
final class PrivacyBudgetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ConfigFile config = new ConfigFile();

  @Override
  public Integer call() throws IOException, CommandFailure {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    NodeConfig cfg = config.load();
    int status = ExitCode.OK.code();
    for (DatasetBudgets.DatasetBudget d : DatasetBudgets.read(cfg)) {
      if (d.budget().isEmpty()) {
        out.printf("dataset %s: no privacy budget (takes part in non-private jobs only)%n", d.alias());
        continue;
      }
      NodeConfig.Budget b = d.budget().get();
      if (d.verification().isEmpty()) {
        out.printf(Locale.ROOT, "dataset %s: budget epsilon %s at delta %s (%s); nothing spent yet (no ledger at %s)%n",
            d.alias(), b.epsilonBudget(), b.delta(), b.accountant(), b.ledgerPath());
        continue;
      }
      Verification v = d.verification().get();
      out.printf(Locale.ROOT, "dataset %s: budget epsilon %s at delta %s (%s), spent %.4f, reserved %.4f,"
              + " remaining %.4f; %d releases; ledger %s: %s%n", d.alias(), b.epsilonBudget(), b.delta(),
          b.accountant(), d.spentEpsilon(), d.reservedEpsilon(), d.remainingEpsilon(), v.entries().size(),
          b.ledgerPath(), d.rollback().isPresent() ? "ROLLED BACK (it " + d.rollback().get() + ")"
              : v.isValid() ? "verifies" : "DOES NOT VERIFY (" + v + ")");
      if (!d.sound()) {
        status = ExitCode.FAILED.code();
      }
      Map<String, int[]> jobs = new LinkedHashMap<>();
      for (VerifiedLedgerEntry e : v.entries()) {
        int[] r = jobs.computeIfAbsent(e.spend().jobId(), k -> new int[] {Integer.MAX_VALUE, 0, 0});
        r[0] = (int) Math.min(r[0], e.spend().round());
        r[1] = (int) Math.max(r[1], e.spend().round());
        r[2]++;
      }
      jobs.forEach((job, r) -> out.printf("  job %s: %d releases, rounds %d-%d%n", job, r[2], r[0], r[1]));
    }
    out.flush();
    return status;
  }
}
