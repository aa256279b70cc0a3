/** The {@code cohort-node} command line: the daemon and the node's local commands. */
package io.cohort.client.cli;
