package io.cohort.cli;

import io.cohort.coordinator.store.TensorFiles;
import io.cohort.crypto.Digests;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Downloads the global model of a job's last completed round and checks it twice before keeping
 * it: the file's SHA-256 against the coordinator's {@code X-Cohort-File-SHA256}, and the tensors'
 * SHA-256 (as recorded in the round and the audit log) against {@code X-Cohort-Model-SHA256}. A
 * mismatch deletes the file and fails with exit code 6.
 */
final class BundleDownload {
  static final long MAX_MODEL_BYTES = 1L << 40;

  /** A verified download: the file, its round and digests, and the model it holds. */
  record Verified(Path file, String round, long bytes, String fileSha256, String modelSha256, TensorBundle model) {}

  private BundleDownload() {
  }

  static Verified fetch(AdminClient client, String jobId, Path target) throws CliException, IOException {
    AdminClient.Download d = client.download("/api/v1/jobs/" + Urls.encode(jobId) + "/export");
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
    try (InputStream in = d.body(); OutputStream o = new DigestOutputStream(Files.newOutputStream(target), sha)) {
      bytes = in.transferTo(o);
    } catch (IOException e) {
      Files.deleteIfExists(target);
      throw new CliException(CliException.FAILED, "download of the model of job " + jobId + " failed: " + e.getMessage());
    }
    String gotFile = Digests.hex(sha.digest());
    if (!gotFile.equals(fileSha)) {
      Files.deleteIfExists(target);
      throw new CliException(CliException.INTEGRITY, "the downloaded file has SHA-256 " + gotFile
          + " but the coordinator announced " + (fileSha.isEmpty() ? "none" : fileSha) + "; nothing written");
    }
    TensorBundle b;
    try {
      b = TensorFiles.read(target, MAX_MODEL_BYTES);
    } catch (IOException | WireFormatException e) {
      Files.deleteIfExists(target);
      throw new CliException(CliException.INTEGRITY, "the downloaded model is not a valid model file: " + e.getMessage());
    }
    String gotModel = Digests.hex(b.sha256());
    if (!gotModel.equals(modelSha)) {
      Files.deleteIfExists(target);
      throw new CliException(CliException.INTEGRITY, "the model's tensors hash to " + gotModel
          + " but round " + round + " recorded " + modelSha + "; nothing written");
    }
    return new Verified(target, round, bytes, gotFile, gotModel, b);
  }
}
