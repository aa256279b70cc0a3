/** JMH benchmarks and measurement programs for secure aggregation; run by bench/secagg.sh, never by tests. */
package io.cohort.bench.secagg;
