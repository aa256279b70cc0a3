/** GPT-2 family forward and hand-written backward passes on float arrays, with BLAS matrix products. */
package io.cohort.lm.model;
