package io.cohort.coordinator.strategy;

import io.cohort.wire.TensorBundle;
import java.util.Optional;

/**
 * Durable server-side optimiser state, one bundle per (job, round): the state after round r is
 * saved before round r's model is recorded, so a crash in between re-runs round r from the state
 * of round r - 1 and overwrites what it left.
 */
public interface ServerStateStore {
  Optional<TensorBundle> load(String jobId, int round);

  void save(String jobId, int round, TensorBundle state);
}
