package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.wire.TensorBundle;
import java.util.function.Consumer;

/**
 * A round's rule that every update has the same tensors (names, shapes) as the round's global
 * model or, in a first round without one, as the first update accepted: updates of different
 * layouts cannot be averaged.
 */
final class SameLayout implements Consumer<ClientUpdate> {
  private TensorBundle reference;

  /** @param reference the round's global model, or null to take the first update's layout */
  SameLayout(TensorBundle reference) {
    this.reference = reference;
  }

  @Override
  public synchronized void accept(ClientUpdate update) {
    if (reference == null) {
      reference = update.parameters();
    } else if (!reference.sameLayout(update.parameters())) {
      throw DomainException.invalid("update has tensors " + update.parameters().tensors()
          + " but the round's model has " + reference.tensors());
    }
  }
}
