package io.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.coordinator.provenance.ExportVerifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cohort job verify-export PATH}: checks an export offline against its provenance
 * manifest: the coordinator's Ed25519 signature, then every listed file's SHA-256, then that the
 * folder holds nothing unlisted. Exit code 6 and one line per problem, each naming the file.
 *
 * <p>The key named inside {@code provenance.sig} proves nothing by itself: anyone can re-sign a
 * forged export with their own key (issue 22 finding #6). So the signer must be a pinned key: the
 * fingerprint given with {@code --fingerprint}, else {@code $COHORT_PROVENANCE_FINGERPRINT}, else
 * {@code provenance_fingerprint} in the CLI config, which {@code cohort job export} records the
 * first time it talks to a coordinator. Without any of them the export does not verify (exit 6).
 */
@Command(name = "verify-export", mixinStandardHelpOptions = true,
    description = {"Verify an export folder (or exported bundle file) against its signed provenance manifest.",
        "The signer must be the pinned coordinator key: --fingerprint, else $COHORT_PROVENANCE_FINGERPRINT, else"
            + " provenance_fingerprint in the CLI config (recorded by the first `cohort job export`).",
        "Exit code 6 when the signer is not pinned, or the signature, a file hash or the file list does not match."})
final class VerifyExport implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CohortCli.Output output = new CohortCli.Output();
  @Parameters(paramLabel = "PATH", description = "An export folder, or a bundle file exported with --format bundle.")
  Path path;
  @Option(names = "--fingerprint", paramLabel = "FP", description = "The coordinator's provenance key fingerprint"
      + " (sha256:..., from GET /api/v1/provenance/key or `cohort job export` output); default: the pinned one.")
  String fingerprint;

  @Override
  public Integer call() {
    CliConfig config = CohortCli.config(spec);
    String pinned = fingerprint != null ? fingerprint : config.provenanceFingerprint();
    String anchor = fingerprint != null ? "--fingerprint"
        : config.env(CliConfig.PROVENANCE_FINGERPRINT_ENV) != null ? "$" + CliConfig.PROVENANCE_FINGERPRINT_ENV
        : "provenance_fingerprint in " + config.file();
    ExportVerifier.Result r = ExportVerifier.verify(path, Optional.ofNullable(pinned));
    List<String> problems = new ArrayList<>(r.problems());
    if (pinned == null) {
      problems.add(0, path + ": no trust anchor: the export is signed by " + (r.fingerprint() == null ? "an unknown key"
          : "key " + r.fingerprint()) + ", named only inside the export itself, which anyone can re-sign; pin the"
          + " coordinator's key with --fingerprint sha256:... (GET /api/v1/provenance/key, or the output of"
          + " `cohort job export`), $" + CliConfig.PROVENANCE_FINGERPRINT_ENV + ", or "
          + CliConfig.PROVENANCE_FINGERPRINT + " in " + config.file());
    } else if (r.fingerprint() != null && !pinned.equals(r.fingerprint())) {
      problems.add(0, path + ": signed by key " + r.fingerprint() + ", which is not the pinned coordinator key "
          + pinned + " (" + anchor + "): a forged or foreign export");
      problems.removeIf(p -> p.contains("not by the expected"));
    }
    boolean ok = problems.isEmpty();
    if (output.json()) {
      var n = new ObjectMapper().createObjectNode();
      n.put("ok", ok).put("job_id", r.jobId()).put("signer_fingerprint", r.fingerprint())
          .put("files_checked", r.filesChecked()).put("fingerprint_pinned", pinned != null)
          .put("trust_anchor", pinned == null ? null : anchor);
      problems.forEach(n.putArray("problems")::add);
      System.out.println(n.toPrettyString());
    } else if (ok) {
      System.out.printf("export of job %s verified: signature by the pinned coordinator key %s (%s), %d files"
          + " match%n", r.jobId(), r.fingerprint(), anchor, r.filesChecked());
    } else {
      problems.forEach(p -> System.err.println("cohort: " + p));
    }
    return ok ? 0 : CliException.INTEGRITY;
  }
}
