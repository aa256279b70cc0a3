package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
      JsonNode nodes = connection.client().get("/api/v1/nodes");
      if (output.json()) {
        System.out.println(nodes.toPrettyString());
        return 0;
      }
      System.out.printf("%-20s %-10s %-12s %-30s%n", "NODE", "CONNECTED", "VERSION", "DATASETS");
      for (JsonNode n : nodes) {
        System.out.printf("%-20s %-10s %-12s %-30s%n", n.path("node_id").asText(), n.path("connected").asBoolean(),
            n.path("software_version").asText(), n.path("datasets").toString());
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
      JsonNode s = connection.client().get("/api/v1/nodes/" + Urls.encode(nodeId));
      if (output.json()) {
        System.out.println(s.toPrettyString());
        return 0;
      }
      JsonNode n = s.path("node");
      System.out.printf("node %s: %s, version %s, datasets %s, first seen %s, last seen %s%n", n.path("node_id").asText(),
          n.path("connected").asBoolean() ? "connected" : "not connected", n.path("software_version").asText(),
          n.path("datasets"), s.path("first_seen").asText(), n.path("last_seen").asText());
      for (JsonNode j : s.path("jobs")) {
        System.out.println("job " + j.path("job_id").asText() + ": "
            + (j.path("accepted").asBoolean() ? "accepted" : "declined: " + j.path("reason").asText()));
      }
      return 0;
    }
  }
}
