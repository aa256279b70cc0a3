package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.coordinator.auth.Role;
import io.cohort.coordinator.auth.TokenStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort token create|list}. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Create and list API tokens.",
    subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class})
final class TokenCommand {

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a bearer token and print it. It is shown only this once: only its hash is stored.",
          "Through the API (needs an admin token) by default; with --local (or --db-url) directly in the database,"
              + " for the operator of the coordinator's host (the H2 database needs the coordinator stopped)."})
  static final class Create implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Mixin LocalDatabase database = new LocalDatabase();

    @Option(names = "--role", required = true, description = "admin or auditor (read-only).") String role;
    @Option(names = "--name", description = "A label for listings and the audit log (default: <role>-token).")
    String name;
    @Option(names = "--local", description = "Write to the embedded H2 database in --data-dir directly.")
    boolean local;

    @Override
    public Integer call() throws Exception {
      Role r;
      try {
        r = Role.parse(role);
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, "--role: " + e.getMessage());
      }
      String label = name == null || name.isBlank() ? r.wireName() + "-token" : name;
      JsonNode created;
      if (local || database.postgres()) {
        Path dir = connection.dataDir;
        TokenStore store = new TokenStore(database.open(dir, true), database.auditLog(dir), Clock.systemUTC());
        TokenStore.Created c;
        try {
          c = store.create(r, label, "local:" + System.getProperty("user.name", "unknown"));
        } catch (IllegalArgumentException e) {
          throw new CliException(CliException.USAGE, "--name: " + e.getMessage());
        }
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("token_id", c.token().tokenId()).put("name", c.token().name()).put("role", r.wireName())
            .put("created_by", c.token().createdBy()).put("created_at", c.token().createdAt().toString())
            .put("token", c.secret());
        created = n;
      } else {
        created = connection.client().postJson("/api/v1/tokens", Map.of("role", r.wireName(), "name", label));
      }
      if (output.json()) {
        System.out.println(created.toPrettyString());
      } else {
        System.err.printf("created %s token %s (%s); it is shown only now:%n", created.path("role").asText(),
            created.path("name").asText(), created.path("token_id").asText());
        System.out.println(created.path("token").asText());
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never the secrets).")
  static final class ListTokens implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();

    @Override
    public Integer call() throws Exception {
      JsonNode tokens = connection.client().get("/api/v1/tokens");
      if (output.printedAsJson(tokens)) {
        return 0;
      }
      System.out.printf("%-18s %-24s %-8s %-26s %s%n", "ID", "NAME", "ROLE", "CREATED", "BY");
      for (JsonNode t : tokens) {
        System.out.printf("%-18s %-24s %-8s %-26s %s%n", t.path("token_id").asText(), t.path("name").asText(),
            t.path("role").asText(), t.path("created_at").asText(), t.path("created_by").asText());
      }
      return 0;
    }
  }
}
