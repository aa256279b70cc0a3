/** Intake of the privacy-ledger entries nodes report: verification against each node's identity key, then storage. */
package io.cohort.coordinator.ledger;
