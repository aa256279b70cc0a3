package io.cohort.coordinator.store;

import io.cohort.crypto.Digests;
import io.cohort.format.io.AtomicFiles;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Global models as files under {@code <data-dir>/models/<job>/round-<r>.bundle}, written
 * atomically. A model id is {@code <job>/round-<r>}; ids are checked against a strict pattern
 * so a caller can never name a path outside the store.
 */
public final class ModelStore {
  private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern MODEL_ID = Pattern.compile("([A-Za-z0-9_-]{1,64})/round-(\\d{1,6})");
  private final Path root;
  private final long maxModelBytes;

  public ModelStore(Path root, long maxModelBytes) {
    this.root = root;
    this.maxModelBytes = maxModelBytes;
  }

  /** A stored model: its id and the SHA-256 of its tensor bytes. */
  public record StoredModel(String modelId, byte[] sha256) {
    public String sha256Hex() {
      return Digests.hex(sha256);
    }
  }

  public static String modelId(String jobId, int round) {
    return jobId + "/round-" + round;
  }

  public StoredModel write(String jobId, int round, TensorBundle bundle) {
    String id = modelId(jobId, round);
    try {
      TensorFiles.write(bundle, path(id));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store model " + id, e);
    }
    return new StoredModel(id, bundle.sha256());
  }

  /** Reads a stored model; throws {@link IllegalArgumentException} for an id that is not ours. */
  public TensorBundle read(String modelId) throws IOException, WireFormatException {
    return TensorFiles.read(path(modelId), maxModelBytes);
  }

  public boolean exists(String modelId) {
    return Files.isRegularFile(path(modelId));
  }

  /** The file of a stored model, for streaming it out unchanged (export). */
  public Path file(String modelId) {
    return path(modelId);
  }

  /**
   * Issue 23 #2: stores the job's federation feature statistics beside its models
   * ({@code <job>/feature-statistics.pb}), written atomically: a restarted coordinator reuses them
   * rather than asking the nodes again.
   */
  public void writeStatistics(String jobId, FederationStatistics statistics) {
    try {
      Path file = statisticsPath(jobId);
      Files.createDirectories(file.getParent());
      AtomicFiles.write(file, statistics.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store the feature statistics of job " + jobId, e);
    }
  }

  /** The job's stored federation feature statistics; empty when its statistics round has not run. */
  public Optional<FederationStatistics> readStatistics(String jobId) {
    Path file = statisticsPath(jobId);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(FederationStatistics.parseFrom(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the feature statistics of job " + jobId, e);
    }
  }

  private Path statisticsPath(String jobId) {
    if (!JOB_ID.matcher(jobId).matches()) {
      throw new IllegalArgumentException("'" + jobId + "' is not a job id");
    }
    return root.resolve(jobId).resolve("feature-statistics.pb");
  }

  private Path path(String modelId) {
    var m = MODEL_ID.matcher(modelId);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + modelId + "' is not a model id of the form <job>/round-<n>");
    }
    return root.resolve(m.group(1)).resolve("round-" + m.group(2) + ".bundle");
  }
}
