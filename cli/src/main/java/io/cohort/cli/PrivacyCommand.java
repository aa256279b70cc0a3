package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
      description = {"Show each node's privacy spend per dataset, from the ledger entries nodes upload.",
          "Nodes do not upload ledger entries yet (no DP in training), so this is empty for now."})
  static final class Show implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Option(names = "--node", description = "Only this node.") String node;
    @Option(names = "--dataset", description = "Only this dataset alias.") String dataset;

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
      }
      JsonNode report = connection.client().get(q.toString());
      if (output.json()) {
        System.out.println(report.toPrettyString());
        return 0;
      }
      if (report.path("spend").isEmpty()) {
        System.out.println("no ledger entries received" + (node == null ? "" : " from node " + node)
            + " (nodes do not upload privacy ledger entries yet)");
        return 0;
      }
      System.out.printf("%-20s %-16s %8s %12s %10s %12s %12s%n", "NODE", "DATASET", "ENTRIES", "EPSILON", "DELTA",
          "BUDGET", "REMAINING");
      for (JsonNode s : report.path("spend")) {
        System.out.printf(Locale.ROOT, "%-20s %-16s %8d %12.4f %10.2g %12s %12s%n", s.path("node_id").asText(),
            s.path("dataset").asText(), s.path("entries").asLong(), s.path("epsilon_spent").asDouble(),
            s.path("delta").asDouble(), s.hasNonNull("budget_epsilon") ? fmt(s.path("budget_epsilon")) : "-",
            s.hasNonNull("remaining_epsilon") ? fmt(s.path("remaining_epsilon")) : "-");
      }
      return 0;
    }

    private static String fmt(JsonNode n) {
      return String.format(Locale.ROOT, "%.4f", n.asDouble());
    }
  }
}
