package io.cohort.client.runtime;

import io.cohort.client.privacy.RoundRefusedException;
import java.io.IOException;

/**
 * What must be durable before a secure round's masked input leaves the node: the round's privacy spend.
 * Nothing that depends on the data leaves a secure round before its masked input (AdvertiseKeys and the
 * key shares carry keys only), so a round aborted earlier (a peer missing a stage's deadline) has released
 * nothing and is charged nothing, and its retry is charged once. Runs at most once per round, however
 * often the coordinator repeats the masked-input request.
 */
@FunctionalInterface
interface WriteAhead {
  /** Nothing to record (a round without DP). */
  WriteAhead NONE = () -> { };

  void record() throws RoundRefusedException, IOException;

  /** This write-ahead, run on the first call only. */
  default WriteAhead once() {
    boolean[] done = {false};
    return () -> {
      synchronized (done) {
        if (!done[0]) {
          record();
          done[0] = true;
        }
      }
    };
  }
}
