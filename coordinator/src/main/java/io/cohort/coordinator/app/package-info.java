/** Quarkus wiring: typed configuration, bean producers and the start-up and shutdown hooks. */
package io.cohort.coordinator.app;
