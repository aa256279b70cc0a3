package io.cohort.client.runtime;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses replayed training tasks (issue 21 #7): a task id this node already handled, or a round
 * older than the newest one it trained for the job. A retry of the newest round under a new task
 * id stays allowed (the coordinator retries a round that got too few results; the ledger counts
 * each attempt). Kept for this process only: after a restart the ledger still counts every spend,
 * and a replayed round is at worst trained again under the pinned terms.
 */
final class TaskReplays {
  private static final int REMEMBERED_TASKS = 10_000;
  private final LinkedHashSet<String> seen = new LinkedHashSet<>();
  private final Map<String, Integer> newestRound = new HashMap<>();

  /** The reason to refuse {@code taskId} (round {@code round} of {@code jobId}), or empty after noting it. */
  synchronized Optional<String> check(String jobId, String taskId, int round) {
    if (seen.contains(taskId)) {
      return Optional.of("replayed task: task " + taskId + " of job " + jobId + " (round " + round
          + ") was handled before; refused");
    }
    Integer newest = newestRound.get(jobId);
    if (newest != null && round < newest) {
      return Optional.of("replayed task: round " + round + " of job " + jobId + " is older than round " + newest
          + ", which this node already trained; refused");
    }
    seen.add(taskId);
    if (seen.size() > REMEMBERED_TASKS) {
      seen.remove(seen.iterator().next());
    }
    newestRound.merge(jobId, round, Math::max);
    return Optional.empty();
  }
}
