/** The Cohort coordinator: orchestrates federated rounds over nodes that dial in. */
package io.cohort.coordinator;
