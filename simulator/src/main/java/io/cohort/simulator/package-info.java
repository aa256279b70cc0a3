/** {@code cohort simulate}: a whole federation of real processes on one machine, for research, tests and benchmarks. */
package io.cohort.simulator;
