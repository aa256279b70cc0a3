/** Named tensors and the codecs that move them over {@code cohort.v1}: chunking, reassembly, files and pooled metrics. */
package io.cohort.wire;
