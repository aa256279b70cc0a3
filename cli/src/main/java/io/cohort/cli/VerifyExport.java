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
 *
 * <p>Issue 21 #6: the coordinator's word is not enough for the model's lineage either, so every
 * contributing node's co-signature of every round is checked against the federation CA
 * ({@code --ca}, {@code $COHORT_CA_CERTIFICATE} or {@code ca_certificate} in the CLI config), a
 * missing or bad one named by round and node; {@code --no-node-signatures} skips this, visibly.
 */
@Command(name = "verify-export", mixinStandardHelpOptions = true,
    description = {"Verify an export folder (or exported bundle file) against its signed provenance manifest.",
        "The signer must be the pinned coordinator key: --fingerprint, else $COHORT_PROVENANCE_FINGERPRINT, else"
            + " provenance_fingerprint in the CLI config (recorded by the first `cohort job export`).",
        "Every contributing node's co-signature of each round is checked against the federation CA (--ca, else"
            + " $COHORT_CA_CERTIFICATE, else ca_certificate in the CLI config).",
        "Exit code 6 when the signer is not pinned, or the signature, a file hash, the file list or a node"
            + " co-signature does not match."})
final class VerifyExport implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CohortCli.Output output = new CohortCli.Output();
  @Parameters(paramLabel = "PATH", description = "An export folder, or a bundle file exported with --format bundle.")
  Path path;
  @Option(names = "--fingerprint", paramLabel = "FP", description = "The coordinator's provenance key fingerprint"
      + " (sha256:..., from GET /api/v1/provenance/key or `cohort job export` output); default: the pinned one.")
  String fingerprint;
  @Option(names = "--ca", paramLabel = "FILE", description = "The federation CA certificate (PEM) that node"
      + " co-signatures are checked against; default: $" + CliConfig.CA_CERTIFICATE_ENV + ", else "
      + CliConfig.CA_CERTIFICATE + " in the CLI config.")
  Path ca;
  @Option(names = "--crl", paramLabel = "FILE", description = "A revocation list (PEM) of the federation CA, newer"
      + " than the one the manifest carries; the newer of the two is used.")
  Path crl;
  @Option(names = "--no-node-signatures", description = "Check the coordinator's signature and the files only,"
      + " not the nodes' co-signatures (the output says so).")
  boolean skipNodes;

  @Override
  public Integer call() {
    CliConfig config = CohortCli.config(spec);
    String pinned = fingerprint != null ? fingerprint : config.provenanceFingerprint();
    String anchor = fingerprint != null ? "--fingerprint"
        : config.env(CliConfig.PROVENANCE_FINGERPRINT_ENV) != null ? "$" + CliConfig.PROVENANCE_FINGERPRINT_ENV
        : "provenance_fingerprint in " + config.file();
    List<String> problems = new ArrayList<>();
    Optional<ExportVerifier.NodeTrust> nodes = Optional.empty();
    if (!skipNodes) {
      try {
        nodes = Optional.of(nodeTrust(config));
      } catch (CliException e) {
        problems.add(e.getMessage());
      }
    }
    ExportVerifier.Result r = ExportVerifier.verify(path, Optional.ofNullable(pinned), nodes);
    problems.addAll(r.problems());
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
          .put("trust_anchor", pinned == null ? null : anchor)
          .put("node_signatures_checked", r.nodeSignatures() >= 0);
      if (r.nodeSignatures() >= 0) {
        n.put("node_signatures_verified", r.nodeSignatures());
      }
      problems.forEach(n.putArray("problems")::add);
      System.out.println(n.toPrettyString());
    } else if (ok) {
      System.out.printf("export of job %s verified: signature by the pinned coordinator key %s (%s), %d files"
          + " match, %s%n", r.jobId(), r.fingerprint(), anchor, r.filesChecked(), r.nodeSignatures() >= 0
          ? r.nodeSignatures() + " node co-signatures check out against the federation CA"
          : "node co-signatures NOT checked (--no-node-signatures)");
    } else {
      problems.forEach(p -> System.err.println("cohort: " + p));
    }
    return ok ? 0 : CliException.INTEGRITY;
  }

  /** The federation CA (and optional CRL) the nodes' co-signatures are checked against. */
  private ExportVerifier.NodeTrust nodeTrust(CliConfig config) throws CliException {
    Path file = ca != null ? ca : config.caCertificate() == null ? null : Path.of(config.caCertificate());
    if (file == null) {
      throw new CliException(CliException.INTEGRITY, path + ": no federation CA certificate to check the nodes'"
          + " co-signatures against; give --ca ca.crt, $" + CliConfig.CA_CERTIFICATE_ENV + " or "
          + CliConfig.CA_CERTIFICATE + " in " + config.file() + " (or --no-node-signatures to check the"
          + " coordinator's signature only)");
    }
    try {
      var cert = io.cohort.crypto.pki.Pem.readCertificates(file).get(0);
      Optional<io.cohort.crypto.pki.RevocationList> list = crl == null ? Optional.empty()
          : Optional.of(io.cohort.crypto.pki.RevocationList.read(crl, cert));
      return new ExportVerifier.NodeTrust(cert, list);
    } catch (io.cohort.crypto.pki.PkiException e) {
      throw new CliException(CliException.INTEGRITY, (crl != null && e.getMessage().contains("revocation") ? crl
          : file) + ": " + e.getMessage());
    }
  }
}
