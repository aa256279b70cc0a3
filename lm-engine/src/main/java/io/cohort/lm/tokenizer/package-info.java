/** GPT-2 byte-level BPE tokenization in pure Java, from {@code vocab.json} + {@code merges.txt} or {@code tokenizer.json}. */
package io.cohort.lm.tokenizer;
