package io.cohort.coordinator.round;

/**
 * How one attempt of a training round turns the participants' local training into the next global
 * model: {@link PlainRound} (the coordinator sees each update) or {@link SecureRound} (it learns only
 * their sum). One instance serves every round of one job; the {@link RoundDriver} owns the loop,
 * the retries, storage and evaluation, so a protocol only has to run one attempt.
 *
 * <p>Nodes' messages for the attempt reach the protocol through the job's {@link OpenTasks}, where
 * it opens what it waits on; it waits with the job's {@link Waiter}, so every deadline comes from
 * the injected clock.
 */
public interface RoundProtocol {
  /** Whether the coordinator learns only the sum of the updates (reported to observers and metrics). */
  boolean secure();

  /**
   * Whether round 1 starts from a stored round-0 model (the job's seeded initialisation, asked of
   * one node) rather than from each node's own initialisation.
   */
  default boolean needsInitialModel() {
    return false;
  }

  /**
   * Runs one attempt with {@code input}'s participants. Before the first task goes out it calls
   * {@link RoundInput#onStart} with the nodes it actually sends tasks to.
   *
   * @throws JobFailure when no attempt can ever succeed (the job fails at once)
   */
  RoundOutcome run(RoundInput input) throws JobFailure, InterruptedException;
}
