package io.cohort.coordinator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.crypto.Digests;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.TensorFiles;
import io.cohort.wire.WireFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort job export JOB --out FILE}: downloads the global model of the job's last completed
 * round and checks it twice before keeping it: the file's SHA-256 against the coordinator's
 * {@code X-Cohort-File-SHA256}, and the tensors' SHA-256 (as recorded in the round and the audit
 * log) against {@code X-Cohort-Model-SHA256}. A mismatch leaves no file and exits with 6.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Download the job's final global model (the last completed round) and verify its SHA-256.",
        "Exit code 6 when a digest does not match (no file is written)."})
final class JobExport implements Callable<Integer> {
  private static final long MAX_MODEL_BYTES = 1L << 40;

  @Mixin CohortCli.Connection connection = new CohortCli.Connection();
  @Mixin CohortCli.Output output = new CohortCli.Output();
  @Parameters(paramLabel = "JOB") String jobId;
  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the model.") Path out;
  @Option(names = "--force", description = "Overwrite FILE if it exists.") boolean force;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out) && !force) {
      throw new CliException(CliException.USAGE, out + " exists; pass --force to overwrite it");
    }
    Path abs = out.toAbsolutePath();
    Path tmp = abs.resolveSibling("." + abs.getFileName() + ".part");
    AdminClient.Download d = connection.client().download("/api/v1/jobs/" + Urls.encode(jobId) + "/export");
    String fileSha = d.headers().firstValue("X-Cohort-File-SHA256").orElse("");
    String modelSha = d.headers().firstValue("X-Cohort-Model-SHA256").orElse("");
    String round = d.headers().firstValue("X-Cohort-Round").orElse("?");
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    long bytes;
    try (InputStream in = d.body(); OutputStream o = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
      bytes = in.transferTo(o);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw new CliException(CliException.FAILED, "download of the model of job " + jobId + " failed: " + e.getMessage());
    }
    String gotFile = Digests.hex(sha.digest());
    if (!gotFile.equals(fileSha)) {
      Files.deleteIfExists(tmp);
      throw new CliException(CliException.INTEGRITY, "the downloaded file has SHA-256 " + gotFile
          + " but the coordinator announced " + (fileSha.isEmpty() ? "none" : fileSha) + "; nothing written");
    }
    String gotModel;
    try {
      TensorBundle b = TensorFiles.read(tmp, MAX_MODEL_BYTES);
      gotModel = Digests.hex(b.sha256());
    } catch (IOException | WireFormatException e) {
      Files.deleteIfExists(tmp);
      throw new CliException(CliException.INTEGRITY, "the downloaded model is not a valid model file: " + e.getMessage());
    }
    if (!gotModel.equals(modelSha)) {
      Files.deleteIfExists(tmp);
      throw new CliException(CliException.INTEGRITY, "the model's tensors hash to " + gotModel
          + " but round " + round + " recorded " + modelSha + "; nothing written");
    }
    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    if (output.json()) {
      var n = new ObjectMapper().createObjectNode();
      n.put("job_id", jobId).put("round", round).put("file", abs.toString()).put("bytes", bytes)
          .put("file_sha256", gotFile).put("model_sha256", gotModel);
      System.out.println(n.toPrettyString());
    } else {
      System.out.printf("exported job %s round %s to %s (%d bytes)%nfile sha256  %s%nmodel sha256 %s (matches the"
          + " round record)%n", jobId, round, abs, bytes, gotFile, gotModel);
    }
    return 0;
  }
}
