/** Named tensors and the codecs that move them over {@code cohort.v1}: chunking, reassembly, files and pooled metrics; and {@code TaskKinds}, what kind of model a task type trains. */
package io.cohort.wire;
