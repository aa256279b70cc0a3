/** Jobs: the YAML job file, its validation into a {@code cohort.v1.JobSpec}, and job states. */
package io.cohort.coordinator.job;
