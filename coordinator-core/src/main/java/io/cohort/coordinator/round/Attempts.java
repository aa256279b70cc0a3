package io.cohort.coordinator.round;

import java.util.logging.Logger;

/** The one retry loop of the round driver: a step is tried up to a number of times, then the job fails. */
final class Attempts {
  private static final Logger LOG = Logger.getLogger(Attempts.class.getName());

  private Attempts() {}

  /** One try of a step: its result, or the problem that made it fail (null result). */
  record Try<T>(T result, String problem) {
    static <T> Try<T> success(T result) {
      return new Try<>(result, null);
    }

    static <T> Try<T> failure(String problem) {
      return new Try<>(null, problem);
    }
  }

  @FunctionalInterface
  interface Step<T> {
    Try<T> run(int attempt) throws JobFailure, InterruptedException;
  }

  /**
   * Runs {@code step} until it succeeds, at most {@code maxAttempts} times.
   *
   * @param what names the step in the log and in the job's failure reason, e.g. "round 3"
   * @throws JobFailure naming the last problem when every attempt failed
   */
  static <T> T attempt(String jobId, String what, int maxAttempts, Step<T> step)
      throws JobFailure, InterruptedException {
    String lastProblem = "";
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      Try<T> t = step.run(attempt);
      if (t.problem() == null) {
        return t.result();
      }
      lastProblem = t.problem();
      String problem = lastProblem;
      int a = attempt;
      LOG.warning(() -> "job " + jobId + " " + what + " attempt " + a + ": " + problem);
    }
    throw new JobFailure(what + " failed " + maxAttempts + " times; last: " + lastProblem);
  }
}
