package io.cohort.coordinator.store;

import io.cohort.coordinator.strategy.ServerStateStore;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A strategy's server state (FedAdam's moments) next to the job's global models, as
 * {@code <data-dir>/models/<job>/round-<r>.server-state.bundle}, written atomically and read back
 * with the same size limit as models. Kept with the model files so backups and restores of the
 * models directory carry it along.
 */
public final class ServerStateFiles implements ServerStateStore {
  private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private final Path root;
  private final long maxBytes;

  public ServerStateFiles(Path modelsRoot, long maxBytes) {
    this.root = modelsRoot;
    this.maxBytes = maxBytes;
  }

  @Override
  public Optional<TensorBundle> load(String jobId, int round) {
    Path f = file(jobId, round);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(TensorFiles.read(f, maxBytes));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the server state " + f, e);
    } catch (WireFormatException e) {
      throw new IllegalStateException("the server state " + f + " is damaged: " + e.getMessage(), e);
    }
  }

  @Override
  public void save(String jobId, int round, TensorBundle state) {
    Path f = file(jobId, round);
    try {
      TensorFiles.write(state, f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the server state " + f, e);
    }
  }

  private Path file(String jobId, int round) {
    if (!JOB_ID.matcher(jobId).matches() || round < 0) {
      throw new IllegalArgumentException("no server state for job '" + jobId + "' round " + round);
    }
    return root.resolve(jobId).resolve("round-" + round + ".server-state.bundle");
  }
}
