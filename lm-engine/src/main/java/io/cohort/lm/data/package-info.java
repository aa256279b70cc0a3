/** Text datasets for language-model tasks: JSONL readers with line-precise errors, and tokenised, padded batches. */
package io.cohort.lm.data;
