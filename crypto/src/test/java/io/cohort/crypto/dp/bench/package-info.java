/** Plain-Java benchmarks of the differential-privacy core (run by hand; see DpBenchmark). */
package io.cohort.crypto.dp.bench;
