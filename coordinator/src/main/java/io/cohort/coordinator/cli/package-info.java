/** The {@code cohort} command line for administrators: serve, simulate, jobs and nodes. */
package io.cohort.coordinator.cli;
