package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.adminapi.PrivacyReport;
import io.cohort.adminapi.PrivacySpend;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort privacy show}. */
@Command(name = "privacy", mixinStandardHelpOptions = true, description = "Privacy spend per node and dataset.",
    subcommands = {PrivacyCommand.Show.class})
final class PrivacyCommand {
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"Show each node's privacy spend per dataset, from the signed ledger entries nodes upload",
          "after each differentially private round (verified against each node's identity key), and for jobs",
          "with privacy.audit each node's audited epsilon (a 95 % lower bound) beside its accounted epsilon."})
  static final class Show implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Option(names = "--node", description = "Only this node.") String node;
    @Option(names = "--dataset", description = "Only this dataset alias.") String dataset;
    @Option(names = "--job", description = "Only this job's privacy audits.") String job;

    @Override
    public Integer call() throws Exception {
      StringBuilder q = new StringBuilder("/api/v1/privacy");
      String sep = "?";
      if (node != null) {
        q.append(sep).append("node=").append(Urls.encode(node));
        sep = "&";
      }
      if (dataset != null) {
        q.append(sep).append("dataset=").append(Urls.encode(dataset));
        sep = "&";
      }
      if (job != null) {
        q.append(sep).append("job=").append(Urls.encode(job));
      }
      JsonNode reply = connection.client().get(q.toString());
      if (output.printedAsJson(reply)) {
        return 0;
      }
      PrivacyReport report = AdminClient.as(reply, PrivacyReport.class);
      if (report.spend() == null || report.spend().isEmpty()) {
        System.out.println("no ledger entries received" + (node == null ? "" : " from node " + node)
            + " (nodes upload them after each differentially private round)");
        AuditLines.print(System.out, report.audits());
        return 0;
      }
      System.out.printf("%-20s %-16s %8s %12s %12s %10s %12s %12s%n", "NODE", "DATASET", "ENTRIES", "EPSILON",
          "RESERVED", "DELTA", "BUDGET", "REMAINING");
      for (PrivacySpend s : report.spend()) {
        System.out.printf(Locale.ROOT, "%-20s %-16s %8d %12.4f %12s %10.2g %12s %12s%n", s.nodeId(), s.dataset(),
            s.entries(), s.epsilonSpent(), fmt(s.reservedEpsilon()), s.delta(), fmt(s.budgetEpsilon()),
            fmt(s.remaining()));
      }
      AuditLines.print(System.out, report.audits());
      return 0;
    }

    private static String fmt(Double v) {
      return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
  }
}
