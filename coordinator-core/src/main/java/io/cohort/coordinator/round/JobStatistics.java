package io.cohort.coordinator.round;

import io.cohort.proto.v1.FederationStatistics;
import java.util.Optional;

/**
 * Issue 23 #2: the federation's feature statistics of one job once its statistics round has run (or
 * been read back from the store), for every later training and evaluation task to carry. Set by the
 * driver thread, read by the phases it runs; volatile so a value set is seen by all.
 */
final class JobStatistics {
  private volatile FederationStatistics value;

  Optional<FederationStatistics> get() {
    return Optional.ofNullable(value);
  }

  void set(FederationStatistics s) {
    this.value = s;
  }
}
