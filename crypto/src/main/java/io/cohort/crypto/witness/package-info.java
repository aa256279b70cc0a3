/** The coordinator's signed audit-log head and the witness of it that each node keeps (issue 22 #7). */
package io.cohort.crypto.witness;
