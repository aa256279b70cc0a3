package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.adminapi.AuditCheck;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.coordinator.audit.AuditEntry;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.audit.AuditVerification;
import io.cohort.coordinator.store.Sql;
import io.cohort.crypto.witness.AuditHeadWitness;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort audit verify|list}. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read and verify the audit log.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.ListEntries.class})
final class AuditCommand {

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Recompute the audit log's hash chain and report the first broken link.",
          "Through the API by default; with --local (or --db-url) straight from the database, without the"
              + " coordinator.",
          "With --witness FILE (a node's `cohort-node audit-head` file), also check that every audit head the node"
              + " witnessed is still in the log: cutting the log's tail and rewriting audit.head together is caught.",
          "Exit code 6 when the chain is broken or a witnessed head is missing."})
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin CohortCli.Connection connection = new CohortCli.Connection();
    @Mixin CohortCli.Output output = new CohortCli.Output();
    @Mixin LocalDatabase database = new LocalDatabase();

    @Option(names = "--local", description = "Read the embedded H2 database in --data-dir directly (the coordinator"
        + " must be stopped).")
    boolean local;

    @Option(names = "--witness", paramLabel = "FILE", description = "A node's witness of the coordinator's audit head"
        + " (the file `cohort-node audit-head` names, <node-id>.audit-head beside its identity key); its heads must be"
        + " signed by the pinned coordinator key when one is pinned (--fingerprint, $COHORT_PROVENANCE_FINGERPRINT or"
        + " provenance_fingerprint in the CLI config).")
    Path witness;

    @Option(names = "--fingerprint", paramLabel = "FP", description = "The coordinator's provenance key fingerprint"
        + " (sha256:...) the witnessed heads must be signed by; default: the pinned one.")
    String fingerprint;

    @Override
    public Integer call() throws Exception {
      AuditHeadWitness w = null;
      if (witness != null) {
        try {
          w = AuditHeadWitness.open(witness);
        } catch (java.io.IOException e) {
          throw new CliException(CliException.USAGE, "--witness: " + e.getMessage());
        }
        if (!java.nio.file.Files.isRegularFile(witness)) {
          throw new CliException(CliException.USAGE, "--witness: no file " + witness.toAbsolutePath());
        }
      }
      JsonNode v;
      WitnessCheck.EntryHashes hashes;
      if (local || database.postgres()) {
        Path dir = connection.dataDir;
        AuditLog log = database.auditLog(dir);
        javax.sql.DataSource ds = database.open(dir, false);
        AuditVerification r = Sql.tx(ds, "verify the audit log", log::verify);
        v = new ObjectMapper().valueToTree(new AuditCheck(r.ok(), r.entries(), r.firstBadSeq(), r.problem(), r.headSeq(), r.headHash()));
        hashes = seq -> Sql.tx(ds, "read the audit log", c -> log.list(c, seq - 1, 1, null, null)).stream()
            .filter(e -> e.seq() == seq).map(AuditEntry::hash).findFirst();
      } else {
        AdminClient client = connection.client();
        v = client.get("/api/v1/audit/verify");
        hashes = seq -> {
          JsonNode entries = client.get("/api/v1/audit?after=" + (seq - 1) + "&limit=1");
          for (JsonNode e : entries) {
            if (e.path("seq").asLong() == seq) {
              return java.util.Optional.of(e.path("hash").asText());
            }
          }
          return java.util.Optional.empty();
        };
      }
      AuditCheck check = AdminClient.as(v, AuditCheck.class);
      WitnessCheck.Result witnessed = null;
      if (w != null) {
        String pinned = fingerprint != null ? fingerprint : CohortCli.config(spec).provenanceFingerprint();
        witnessed = WitnessCheck.check(w, pinned, hashes, check.headSeq());
        if (v instanceof ObjectNode o) {
          o.put("witness_ok", witnessed.ok());
          o.putPOJO("witness_problems", witnessed.problems());
        }
      }
      if (!output.printedAsJson(v)) {
        System.out.println(check.ok()
            ? String.format("audit log OK: %d entries, head %d %s", check.entries(), check.headSeq(),
                JobCommand.text(check.headHash()))
            : String.format("audit log BROKEN at entry %d: %s", check.firstBadSeq() == null ? 0 : check.firstBadSeq(),
                JobCommand.text(check.problem())));
        if (witnessed != null && witnessed.ok()) {
          System.out.println("witness " + witness + " OK: " + witnessed.summary());
        } else if (witnessed != null) {
          for (String p : witnessed.problems()) {
            System.out.println("audit log BROKEN against the witness " + witness + ": " + p);
          }
        }
      }
      return check.ok() && (witnessed == null || witnessed.ok()) ? ExitCode.OK.code() : ExitCode.INTEGRITY.code();
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
