package io.cohort.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort node list}. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Inspect nodes.",
    subcommands = {NodeCommand.ListNodes.class,
        NodeTrustCommands.Token.class, NodeTrustCommands.Requests.class, NodeTrustCommands.Approve.class, NodeTrustCommands.Revoke.class})
final class NodeCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List nodes the coordinator has seen.")
  static final class ListNodes implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Option(names = "--output", defaultValue = "table", description = "table or json") String output;

    @Override
    public Integer call() throws Exception {
      JsonNode nodes = connection.client().get("/api/v1/nodes");
      if (output.equals("json")) {
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
}
