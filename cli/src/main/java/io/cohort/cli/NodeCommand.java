package io.cohort.cli;

import static io.cohort.cli.JobCommand.listOf;
import static io.cohort.cli.JobCommand.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.adminapi.Decision;
import io.cohort.adminapi.NodeStatus;
import io.cohort.adminapi.NodeView;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort node list|status}. Further node commands (enrolment, revocation) register here as
 * nested classes in {@code subcommands}.
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Inspect nodes.",
    subcommands = {NodeCommand.ListNodes.class, NodeCommand.Status.class,
        NodeTrustCommands.Token.class, NodeTrustCommands.Requests.class, NodeTrustCommands.Approve.class, NodeTrustCommands.Csr.class,
        NodeTrustCommands.InstallCert.class, NodeTrustCommands.Revoke.class})
final class NodeCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List nodes the coordinator has seen.")
  static final class ListNodes implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();

    @Override
    public Integer call() throws Exception {
      JsonNode reply = connection.client().get("/api/v1/nodes");
      if (output.printedAsJson(reply)) {
        return 0;
      }
      NodeView[] nodes = AdminClient.as(reply, NodeView[].class);
      List<String[]> rows = new java.util.ArrayList<>();
      rows.add(new String[] {"NODE", "STATE", "VERSION", "DATASETS"});
      for (NodeView n : nodes) {
        rows.add(new String[] {text(n.nodeId()), n.connection(), text(n.softwareVersion()), datasets(n.datasets())});
      }
      System.out.print(table(rows));
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show one node and its answers to jobs.")
  static final class Status implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Parameters(paramLabel = "NODE") String nodeId;

    @Override
    public Integer call() throws Exception {
      JsonNode reply = connection.client().get("/api/v1/nodes/" + Urls.encode(nodeId));
      if (output.printedAsJson(reply)) {
        return 0;
      }
      NodeStatus s = AdminClient.as(reply, NodeStatus.class);
      NodeView n = s.node();
      System.out.printf("node %s: %s, version %s, datasets %s, first seen %s, last seen %s%n", text(n.nodeId()),
          n.revokedAt() != null ? "REVOKED at " + n.revokedAt() + " (its certificates are refused; enrol again with a"
              + " new token to readmit it)" : n.connection(), text(n.softwareVersion()), datasets(n.datasets()),
          text(s.firstSeen()), text(n.lastSeen()));
      for (Decision j : listOf(s.jobs())) {
        System.out.println("job " + text(j.jobId()) + ": " + (j.accepted() ? "accepted" : "declined: " + text(j.reason())));
      }
      return 0;
    }
  }

  /**
   * Left-aligned columns as wide as their widest cell, two spaces apart (issue 22 #10: fixed widths
   * let a long version run into the next column). The last column is not padded.
   */
  static String table(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], r[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      for (int c = 0; c < columns; c++) {
        out.append(c == columns - 1 ? r[c] : String.format("%-" + width[c] + "s  ", r[c]));
      }
      out.append(System.lineSeparator());
    }
    return out.toString();
  }

  /** The aliases for people: {@code credit, ward-7}, or {@code -} for none (issue 22 #10: it was JSON). */
  static String datasets(List<String> aliases) {
    return aliases == null || aliases.isEmpty() ? "-" : String.join(", ", aliases);
  }
}
