/** The append-only, hash-chained audit log: canonical encoding, appending inside transactions, verification. */
package io.cohort.coordinator.audit;
