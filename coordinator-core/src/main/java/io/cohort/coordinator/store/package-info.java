/** Durable state: jobs, rounds and nodes in a JDBC database, models as files. */
package io.cohort.coordinator.store;
