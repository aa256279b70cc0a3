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
      String approval = r.path("approval").asText().equals("offline-ca")
          ? "the CA is offline: its request waits for `cohort node csr` and `cohort node install-cert`"
          : manual ? "needs approval" : "pre-approved";
      System.err.println("one-time token for node " + node + " (" + approval
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

  @Command(name = "csr", mixinStandardHelpOptions = true,
      description = {"Offline CA: write a node's pending certificate request to a file for the CA machine, after"
          + " comparing its fingerprint with the one the node's operator read out (this is the approval).",
          "Then on the CA machine: cohort pki issue --ca-dir DIR --node NODE --csr FILE --fingerprint FP --out KIT"})
  static final class Csr implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Parameters(paramLabel = "NODE") String node;
    @Option(names = "--fingerprint", required = true, description = "The CSR fingerprint `cohort-node enroll` printed.")
    String fingerprint;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the request (PEM).")
    java.nio.file.Path out;

    @Override
    public Integer call() throws Exception {
      JsonNode r = connection.client().get("/api/v1/pki/nodes/" + enc(node) + "/csr?fingerprint=" + enc(fingerprint));
      io.cohort.crypto.pki.Pem.writePublic(out, r.path("csr").asText().getBytes(StandardCharsets.US_ASCII));
      System.out.println("certificate request of node " + node + " (fingerprint " + fingerprint + ") written to " + out
          + "; sign it on the CA machine: cohort pki issue --ca-dir DIR --node " + node + " --csr " + out.getFileName()
          + " --fingerprint " + fingerprint + " --out KIT");
      return 0;
    }
  }

  @Command(name = "install-cert", mixinStandardHelpOptions = true,
      description = "Offline CA: hand the coordinator the certificate the CA machine signed for a node's pending"
          + " request; the node's `cohort-node enroll` then installs it.")
  static final class InstallCert implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Parameters(index = "0", paramLabel = "NODE") String node;
    @Parameters(index = "1", paramLabel = "CERT", description = "The node's certificate (PEM), e.g. KIT/NODE.crt.")
    java.nio.file.Path cert;

    @Override
    public Integer call() throws Exception {
      String pem;
      try {
        pem = java.nio.file.Files.readString(cert, StandardCharsets.US_ASCII);
      } catch (java.io.IOException e) {
        throw new CliException(CliException.USAGE, cert + ": cannot read (" + e.getClass().getSimpleName() + ")");
      }
      JsonNode r = connection.client().postYaml("/api/v1/pki/nodes/" + enc(node) + "/certificate", pem);
      System.out.println("node " + node + ": certificate " + r.path("state").asText().toLowerCase(java.util.Locale.ROOT)
          + " for request " + r.path("fingerprint").asText() + "; the node's `cohort-node enroll` picks it up");
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
