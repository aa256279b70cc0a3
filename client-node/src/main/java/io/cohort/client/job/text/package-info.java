/** Language-model jobs on a node: the job's adapter as a wire bundle, its local JSONL data, and evaluation. */
package io.cohort.client.job.text;
