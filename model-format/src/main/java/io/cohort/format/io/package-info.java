/** Durable file writes: whole-or-nothing replacement of a file through a temporary file, fsync and an atomic rename. */
package io.cohort.format.io;
