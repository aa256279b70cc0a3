/** Aggregation strategies that turn a round's results into the next global model. */
package io.cohort.coordinator.strategy;
