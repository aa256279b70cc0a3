package io.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.coordinator.provenance.ExportVerifier;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort job verify-export PATH}: checks an export offline against its provenance
 * manifest: the coordinator's Ed25519 signature, then every listed file's SHA-256, then that the
 * folder holds nothing unlisted. Exit code 6 and one line per problem, each naming the file.
 */
@Command(name = "verify-export", mixinStandardHelpOptions = true,
    description = {"Verify an export folder (or exported bundle file) against its signed provenance manifest.",
        "Exit code 6 when the signature, a file hash or the file list does not match."})
final class VerifyExport implements Callable<Integer> {
  @Mixin CohortCli.Output output = new CohortCli.Output();
  @Parameters(paramLabel = "PATH", description = "An export folder, or a bundle file exported with --format bundle.")
  Path path;
  @Option(names = "--fingerprint", paramLabel = "FP", description = "The signer's expected key fingerprint"
      + " (sha256:..., from GET /api/v1/provenance/key); without it the key named in provenance.sig is trusted.")
  String fingerprint;

  @Override
  public Integer call() {
    ExportVerifier.Result r = ExportVerifier.verify(path, Optional.ofNullable(fingerprint));
    if (output.json()) {
      var n = new ObjectMapper().createObjectNode();
      n.put("ok", r.ok()).put("job_id", r.jobId()).put("signer_fingerprint", r.fingerprint())
          .put("files_checked", r.filesChecked()).put("fingerprint_pinned", fingerprint != null);
      r.problems().forEach(n.putArray("problems")::add);
      System.out.println(n.toPrettyString());
    } else if (r.ok()) {
      System.out.printf("export of job %s verified: signature by %s%s, %d files match%n", r.jobId(), r.fingerprint(),
          fingerprint != null ? " (the pinned key)" : " (compare with GET /api/v1/provenance/key)", r.filesChecked());
    } else {
      r.problems().forEach(p -> System.err.println("cohort: " + p));
    }
    return r.ok() ? 0 : CliException.INTEGRITY;
  }
}
