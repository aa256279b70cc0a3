package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.coordinator.provenance.DetachedSignature;
import io.cohort.coordinator.provenance.ExportVerifier;
import io.cohort.coordinator.provenance.ManifestWriter;
import io.cohort.crypto.Digests;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.TaskKinds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort job export JOB --format bundle|peft|merged --out PATH [--base DIR]}: downloads the
 * global model of the job's last completed round (digests checked, see {@link BundleDownload}),
 * writes it in the asked format, and has the coordinator sign a provenance manifest of the
 * written files ({@code provenance.json} + {@code provenance.sig}), which it verifies before
 * keeping anything. A bundle goes to the file {@code PATH} with the manifest beside it as
 * {@code PATH.provenance.json}; PEFT adapters and merged checkpoints go to the new folder
 * {@code PATH}, manifest inside.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Export the job's final global model with a signed provenance manifest.",
        "bundle: the raw model file (default for tabular jobs); peft: a PEFT LoRA adapter folder (default for text"
            + " jobs); merged: a Hugging Face checkpoint with the adapter folded into --base.",
        "Exit code 6 when a digest or the manifest does not verify (nothing is kept)."})
final class JobExport implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin CohortCli.Connection connection = new CohortCli.Connection();
  @Mixin CohortCli.Output output = new CohortCli.Output();
  @Parameters(paramLabel = "JOB") String jobId;
  @Option(names = "--format", paramLabel = "FORMAT", description = "bundle, peft or merged (default: bundle for"
      + " tabular jobs, peft for text jobs).") String format;
  @Option(names = "--out", required = true, paramLabel = "PATH",
      description = "The bundle file, or the folder for peft/merged (must not exist).") Path out;
  @Option(names = "--base", paramLabel = "DIR", description = "The job's base model folder: required for merged"
      + " (its content hash must be the job's model.sha256); for peft it supplies layer widths when the global model"
      + " cannot.") Path base;
  @Option(names = "--force", description = "Overwrite PATH if it exists.") boolean force;
  /** The coordinator's provenance key, checked against the pinned one before anything is downloaded. */
  private String signerFingerprint;

  @Override
  public Integer call() throws Exception {
    AdminClient client = connection.client();
    CliConfig config = CohortCli.config(connection.spec);
    signerFingerprint = coordinatorKey(client, config);
    JobSpec spec = spec(client);
    String fmt = format != null ? format : TaskKinds.isLanguageModel(spec) ? "peft" : "bundle";
    if (!fmt.equals("bundle") && !fmt.equals("peft") && !fmt.equals("merged")) {
      throw new CliException(CliException.USAGE, "--format must be bundle, peft or merged, got '" + fmt + "'");
    }
    if (!fmt.equals("bundle") && !TaskKinds.isLanguageModel(spec)) {
      throw new CliException(CliException.USAGE, "job " + jobId + " is a " + spec.getTask() + " job: only --format"
          + " bundle applies (peft and merged are for sequence_classification, causal_lm and chat_sft jobs)");
    }
    if (fmt.equals("merged") && base == null) {
      throw new CliException(CliException.USAGE, "--format merged needs --base DIR, the job's base model folder ('"
          + spec.getModel().getName() + "', sha256 " + spec.getModel().getSha256() + ")");
    }
    if (base != null && TaskKinds.isLanguageModel(spec)) {
      AdapterExport.checkBase(spec, base);
    }
    if (Files.exists(out) && !force) {
      throw new CliException(CliException.USAGE, out + " exists; pass --force to overwrite it");
    }
    Path abs = out.toAbsolutePath().normalize();
    Path staging = abs.resolveSibling("." + abs.getFileName() + ".part");
    deleteRecursively(staging);
    int exit;
    try {
      exit = fmt.equals("bundle") ? exportBundle(client, abs, staging) : exportAdapter(client, spec, fmt, abs, staging);
    } finally {
      deleteRecursively(staging);
    }
    if (config.provenanceFingerprint() == null) {
      // Trust on first use (issue 22 #6): verify-export checks later exports against this key.
      config.pinProvenanceFingerprint(signerFingerprint);
      System.err.println("cohort: pinned the coordinator's provenance key " + signerFingerprint + " in "
          + config.file() + " (" + CliConfig.PROVENANCE_FINGERPRINT + "); job verify-export trusts only this key");
    }
    return exit;
  }

  /**
   * The fingerprint of the coordinator's provenance key; it must be the pinned one when one is
   * pinned, so that a replaced key is noticed before anything is written.
   */
  private static String coordinatorKey(AdminClient client, CliConfig config) throws CliException {
    String fp = client.get("/api/v1/provenance/key").path("fingerprint").asText("");
    if (fp.isEmpty()) {
      throw new CliException(CliException.FAILED, "the coordinator did not name its provenance key"
          + " (GET /api/v1/provenance/key)");
    }
    String pinned = config.provenanceFingerprint();
    if (pinned != null && !pinned.equals(fp)) {
      throw new CliException(CliException.INTEGRITY, "the coordinator's provenance key " + fp + " is not the pinned "
          + pinned + " (" + CliConfig.PROVENANCE_FINGERPRINT + " in " + config.file() + " or $"
          + CliConfig.PROVENANCE_FINGERPRINT_ENV + "); if the key was replaced on purpose, change the pin");
    }
    return fp;
  }

  private int exportBundle(AdminClient client, Path abs, Path tmp) throws CliException, IOException {
    BundleDownload.Verified v = BundleDownload.fetch(client, jobId, tmp);
    String name = abs.getFileName().toString();
    JsonNode signed = sign(client, "bundle", v.modelSha256(), Map.of(name, v.fileSha256()));
    ExportVerifier.Layout l = ExportVerifier.Layout.of(abs);
    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.writeString(l.manifest(), signed.path("manifest").asText());
    Files.writeString(l.signature(), signed.path("signature").asText());
    String fingerprint = selfCheck(abs);
    if (output.json()) {
      var n = JSON.createObjectNode();
      n.put("job_id", jobId).put("round", v.round()).put("format", "bundle").put("file", abs.toString())
          .put("bytes", v.bytes()).put("file_sha256", v.fileSha256()).put("model_sha256", v.modelSha256())
          .put("manifest", l.manifest().toString()).put("signer_fingerprint", fingerprint);
      System.out.println(n.toPrettyString());
    } else {
      System.out.printf("exported job %s round %s to %s (%d bytes)%nfile sha256  %s%nmodel sha256 %s (matches the"
          + " round record)%nprovenance   %s, signed by %s%n", jobId, v.round(), abs, v.bytes(), v.fileSha256(),
          v.modelSha256(), l.manifest(), fingerprint);
    }
    return 0;
  }

  private int exportAdapter(AdminClient client, JobSpec spec, String fmt, Path abs, Path staging)
      throws CliException, IOException {
    Files.createDirectories(staging);
    Path bundle = staging.resolve(".global-model.bundle");
    BundleDownload.Verified v = BundleDownload.fetch(client, jobId, bundle);
    PeftAdapter adapter = AdapterExport.adapter(spec, v.model(), Optional.ofNullable(base));
    Files.delete(bundle);
    if (fmt.equals("peft")) {
      AdapterExport.writePeft(spec, adapter, staging);
    } else {
      AdapterExport.writeMerged(base, adapter, staging);
    }
    Map<String, String> files = hashes(staging);
    JsonNode signed = sign(client, fmt, v.modelSha256(), files);
    Files.writeString(staging.resolve(ManifestWriter.FILE_NAME), signed.path("manifest").asText());
    Files.writeString(staging.resolve(DetachedSignature.FILE_NAME), signed.path("signature").asText());
    String fingerprint = selfCheck(staging);
    if (Files.exists(abs)) {
      deleteRecursively(abs); // --force was given
    }
    Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
    if (output.json()) {
      var n = JSON.createObjectNode();
      n.put("job_id", jobId).put("round", v.round()).put("format", fmt).put("folder", abs.toString())
          .put("model_sha256", v.modelSha256()).put("lora_modules", adapter.lora().size())
          .put("signer_fingerprint", fingerprint);
      files.forEach(n.putObject("files")::put);
      System.out.println(n.toPrettyString());
    } else {
      System.out.printf("exported job %s round %s as %s to %s (%d LoRA modules%s)%n", jobId, v.round(),
          fmt.equals("peft") ? "a PEFT adapter" : "a merged checkpoint", abs, adapter.lora().size(),
          spec.getLora().getFreezeA() ? ", lora_A regenerated from the job seed" : "");
      files.forEach((name, sha) -> System.out.printf("  %-28s %s%n", name, sha));
      System.out.printf("model sha256 %s (matches the round record)%nprovenance   %s, signed by %s%n", v.modelSha256(),
          abs.resolve(ManifestWriter.FILE_NAME), fingerprint);
    }
    return 0;
  }

  private JobSpec spec(AdminClient client) throws CliException {
    JsonNode json = client.get("/api/v1/job-specs/" + Urls.encode(jobId));
    JobSpec.Builder b = JobSpec.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(json.toString(), b);
    } catch (InvalidProtocolBufferException e) {
      throw new CliException(CliException.FAILED, "the coordinator's spec of job " + jobId + " cannot be read: "
          + e.getMessage());
    }
    return b.build();
  }

  private JsonNode sign(AdminClient client, String fmt, String modelSha, Map<String, String> files) throws CliException {
    Map<String, Object> body = Map.of("format", fmt, "global_model_sha256", modelSha, "files", files);
    return client.postJson("/api/v1/jobs/" + Urls.encode(jobId) + "/manifest", body);
  }

  /** Verifies what was just written, so that a broken export is never kept. Returns the signer's fingerprint. */
  private String selfCheck(Path path) throws CliException {
    ExportVerifier.Result r = ExportVerifier.verify(path, Optional.of(signerFingerprint));
    if (!r.ok()) {
      throw new CliException(CliException.INTEGRITY, "the export does not verify: " + String.join("; ", r.problems()));
    }
    return r.fingerprint();
  }

  private static Map<String, String> hashes(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString().replace('\\', '/'), Digests.hex(Digests.sha256(p)));
      }
    }
    return out;
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
