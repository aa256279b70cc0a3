package io.cohort.client.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.client.runtime.AuditHeads;
import io.cohort.crypto.witness.AuditHeadWitness;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node audit-head}: the coordinator audit head this node witnessed (issue 22 #7),
 * its signature and signer, and any conflicts (a head that went backwards or was rewritten).
 * Read-only, so it works while the node runs. The file it names is what an auditor passes to
 * {@code cohort audit verify --witness}.
 */
@Command(name = "audit-head", mixinStandardHelpOptions = true,
    description = {"Show the coordinator audit-log head this node witnessed (newest seen in heartbeat replies), its"
        + " signer and any conflicts.", "Give the file it names to `cohort audit verify --witness FILE` to check the"
        + " coordinator's log against it.", "Exit 0; 1 when a conflict was recorded or nothing was witnessed yet;"
        + " 2 for bad input."})
final class AuditHeadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigFile config = new ConfigFile();

  @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
  String output;

  @Override
  public Integer call() throws CommandFailure {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!output.equals("text") && !output.equals("json")) {
      err.println("cohort-node: --output must be text or json, got '" + output + "'");
      return ExitCode.USAGE.code();
    }
    Path file = AuditHeads.pathFor(config.load());
    AuditHeadWitness w;
    try {
      w = AuditHeadWitness.open(file);
    } catch (IOException e) {
      err.println("cohort-node: " + e.getMessage());
      return ExitCode.FAILED.code();
    }
    int status = w.head().isEmpty() || !w.conflicts().isEmpty() ? ExitCode.FAILED.code() : ExitCode.OK.code();
    if (output.equals("json")) {
      out.println(json(w).toPrettyString());
      return status;
    }
    out.println("witness file:  " + file);
    if (w.head().isEmpty()) {
      out.println("audit head:    none witnessed yet (the node records one with each heartbeat reply)");
      return status;
    }
    AuditHeadWitness.Seen h = w.head().get();
    out.println("audit head:    entry " + h.head().seq() + " " + h.head().entryHash());
    out.println("signed by:     " + h.head().signerFingerprint() + " (the coordinator's provenance key)"
        + (h.head().verifies() ? ", signature verified" : ", SIGNATURE DOES NOT VERIFY"));
    out.println("first seen:    " + h.seenAt());
    for (AuditHeadWitness.Seen e : w.evidence()) {
      out.println("evidence:      entry " + e.head().seq() + " " + e.head().entryHash() + " (held when a conflicting"
          + " head arrived, seen " + e.seenAt() + ")");
    }
    for (AuditHeadWitness.Conflict c : w.conflicts()) {
      out.println("CONFLICT:      " + c.at() + " " + c.message());
    }
    return status;
  }

  static ObjectNode json(AuditHeadWitness w) {
    JsonMapper mapper = new JsonMapper();
    ObjectNode root = mapper.createObjectNode().put("file", w.file().toString());
    w.head().ifPresentOrElse(h -> root.set("head", seen(mapper, h)), () -> root.putNull("head"));
    ArrayNode evidence = root.putArray("evidence");
    w.evidence().forEach(e -> evidence.add(seen(mapper, e)));
    ArrayNode conflicts = root.putArray("conflicts");
    w.conflicts().forEach(c -> conflicts.addObject().put("at", c.at().toString()).put("message", c.message()));
    return root;
  }

  private static ObjectNode seen(JsonMapper mapper, AuditHeadWitness.Seen s) {
    return mapper.createObjectNode().put("seq", s.head().seq()).put("entry_hash", s.head().entryHash())
        .put("signer_fingerprint", s.head().signerFingerprint())
        .put("signer_public_key", s.head().signer().hex())
        .put("signature", HexFormat.of().formatHex(s.head().signature()))
        .put("signature_verifies", s.head().verifies()).put("seen_at", s.seenAt().toString());
  }
}
