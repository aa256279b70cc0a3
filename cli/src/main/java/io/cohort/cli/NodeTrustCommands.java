package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cohort node token|requests|approve|revoke}: node enrolment and revocation through the admin API. */
final class NodeTrustCommands {
  private NodeTrustCommands() {}

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Command(name = "token", mixinStandardHelpOptions = true,
      description = "Create a one-time enrolment token for a node (give it to the node's operator out of band).")
  static final class Token implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Parameters(paramLabel = "NODE", description = "The node id the token is for.") String node;
    @Option(names = "--manual", description = "The request waits for `cohort node approve` instead of being pre-approved.")
    boolean manual;
    @Option(names = "--ttl-hours", defaultValue = "24", description = "Token lifetime (default: ${DEFAULT-VALUE}).") int ttlHours;

    @Override
    public Integer call() throws Exception {
      JsonNode r = connection.client().postYaml("/api/v1/pki/tokens?node=" + enc(node) + "&approval="
          + (manual ? "manual" : "auto") + "&ttl_hours=" + ttlHours, "");
      System.out.println(r.path("token").asText());
      System.err.println("one-time token for node " + node + " (" + (manual ? "needs approval" : "pre-approved")
          + ", valid " + ttlHours + " h): cohort-node enroll --config node.yaml --token TOKEN");
      return 0;
    }
  }

  @Command(name = "requests", mixinStandardHelpOptions = true, description = "List certificate requests waiting for approval.")
  static final class Requests implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();

    @Override
    public Integer call() throws Exception {
      System.out.printf("%-24s %-64s %s%n", "NODE", "CSR FINGERPRINT", "SUBMITTED");
      for (JsonNode n : connection.client().get("/api/v1/pki/requests")) {
        System.out.printf("%-24s %-64s %s%n", n.path("node_id").asText(), n.path("fingerprint").asText(),
            n.path("submitted_at").asText());
      }
      return 0;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Approve a node's pending certificate request after comparing its fingerprint with the node operator's.")
  static final class Approve implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Parameters(paramLabel = "NODE") String node;
    @Option(names = "--fingerprint", required = true, description = "The CSR fingerprint `cohort-node enroll` printed.")
    String fingerprint;

    @Override
    public Integer call() throws Exception {
      JsonNode r = connection.client().postYaml("/api/v1/pki/nodes/" + enc(node) + "/approve?fingerprint="
          + enc(fingerprint), "");
      System.out.println("node " + node + ": certificate " + r.path("state").asText().toLowerCase(java.util.Locale.ROOT));
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke every certificate of a node; its next call (heartbeat) is refused and its session ends.")
  static final class Revoke implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Parameters(paramLabel = "NODE") String node;

    @Override
    public Integer call() throws Exception {
      JsonNode r = connection.client().postYaml("/api/v1/pki/nodes/" + enc(node) + "/revoke", "");
      System.out.println("node " + node + " revoked at " + r.path("revoked_at").asText());
      return 0;
    }
  }
}
