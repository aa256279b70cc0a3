/** Numerical kernels behind {@code io.cohort.crypto.dp}; not API, may change without notice. */
package io.cohort.crypto.dp.internal;
