package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.adminapi.AuditCheck;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.audit.AuditVerification;
import io.cohort.coordinator.store.Sql;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort audit verify|list}. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read and verify the audit log.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.ListEntries.class})
final class AuditCommand {

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Recompute the audit log's hash chain and report the first broken link.",
          "Through the API by default; with --local (or --db-url) straight from the database, without the"
              + " coordinator.", "Exit code 6 when the chain is broken."})
  static final class Verify implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Mixin LocalDatabase database = new LocalDatabase();

    @Option(names = "--local", description = "Read the embedded H2 database in --data-dir directly (the coordinator"
        + " must be stopped).")
    boolean local;

    @Override
    public Integer call() throws Exception {
      JsonNode v;
      if (local || database.postgres()) {
        Path dir = connection.dataDir;
        AuditLog log = database.auditLog(dir);
        AuditVerification r = Sql.tx(database.open(dir, false), "verify the audit log", log::verify);
        v = new ObjectMapper().valueToTree(new AuditCheck(r.ok(), r.entries(), r.firstBadSeq(), r.problem(), r.headSeq(), r.headHash()));
      } else {
        v = connection.client().get("/api/v1/audit/verify");
      }
      AuditCheck check = AdminClient.as(v, AuditCheck.class);
      if (!output.printedAsJson(v)) {
        System.out.println(check.ok()
            ? String.format("audit log OK: %d entries, head %d %s", check.entries(), check.headSeq(),
                JobCommand.text(check.headHash()))
            : String.format("audit log BROKEN at entry %d: %s", check.firstBadSeq() == null ? 0 : check.firstBadSeq(),
                JobCommand.text(check.problem())));
      }
      return check.ok() ? ExitCode.OK.code() : ExitCode.INTEGRITY.code();
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List audit entries, oldest first.")
  static final class ListEntries implements Callable<Integer> {
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Option(names = "--after", defaultValue = "0", description = "Only entries after this sequence number.") long after;
    @Option(names = "--limit", defaultValue = "100", description = "At most this many (1..1000).") int limit;
    @Option(names = "--job", description = "Only entries about this job.") String job;
    @Option(names = "--node", description = "Only entries about this node.") String node;

    @Override
    public Integer call() throws Exception {
      StringBuilder q = new StringBuilder("/api/v1/audit?after=" + after + "&limit=" + limit);
      if (job != null) {
        q.append("&job=").append(Urls.encode(job));
      }
      if (node != null) {
        q.append("&node=").append(Urls.encode(node));
      }
      JsonNode entries = connection.client().get(q.toString());
      if (output.printedAsJson(entries)) {
        return 0;
      }
      System.out.printf("%-6s %-24s %-22s %-34s %s%n", "SEQ", "TIME", "ACTION", "ACTOR", "DETAIL");
      for (JsonNode e : entries) {
        String about = (e.hasNonNull("job_id") ? e.path("job_id").asText() + " " : "")
            + (e.hasNonNull("round") ? "round " + e.path("round").asInt() + " " : "")
            + (e.hasNonNull("node_id") ? "node " + e.path("node_id").asText() + " " : "");
        System.out.printf("%-6d %-24s %-22s %-34s %s%s%n", e.path("seq").asLong(), e.path("occurred_at").asText(),
            e.path("action").asText(), e.path("actor").asText(), about, e.path("detail").asText());
      }
      return 0;
    }
  }
}
