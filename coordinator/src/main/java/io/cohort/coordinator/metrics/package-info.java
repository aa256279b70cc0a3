/** Prometheus metrics of rounds, aggregation, offers and received bytes (Micrometer). */
package io.cohort.coordinator.metrics;
