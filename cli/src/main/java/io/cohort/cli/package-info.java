/** The {@code cohort} command line for administrators: serve, jobs, nodes, tokens, PKI, audit, privacy and export. */
package io.cohort.cli;
