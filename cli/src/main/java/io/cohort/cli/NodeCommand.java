package io.cohort.cli;

import static io.cohort.cli.JobCommand.listOf;
import static io.cohort.cli.JobCommand.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
        NodeTrustCommands.Token.class, NodeTrustCommands.Requests.class, NodeTrustCommands.Approve.class, NodeTrustCommands.Revoke.class})
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
      System.out.printf("%-20s %-10s %-12s %-30s%n", "NODE", "CONNECTED", "VERSION", "DATASETS");
      for (NodeView n : AdminClient.as(reply, NodeView[].class)) {
        System.out.printf("%-20s %-10s %-12s %-30s%n", text(n.nodeId()), n.connected(), text(n.softwareVersion()),
            datasets(n.datasets()));
      }
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
          n.connected() ? "connected" : "not connected", text(n.softwareVersion()), datasets(n.datasets()),
          text(s.firstSeen()), text(n.lastSeen()));
      for (Decision j : listOf(s.jobs())) {
        System.out.println("job " + text(j.jobId()) + ": " + (j.accepted() ? "accepted" : "declined: " + text(j.reason())));
      }
      return 0;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The aliases as the JSON array the untyped reply printed, e.g. {@code ["credit"]}. */
  private static String datasets(List<String> aliases) {
    if (aliases == null) {
      return "";
    }
    try {
      return JSON.writeValueAsString(aliases);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
