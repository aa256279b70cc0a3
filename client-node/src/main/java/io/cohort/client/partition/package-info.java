/** Splitting a labelled JSON Lines text dataset into node shards for simulated federations. */
package io.cohort.client.partition;
