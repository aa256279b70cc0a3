package io.cohort.lm.data;

/**
 * One sequence-classification record.
 *
 * @param line the 1-based line of the JSONL file it came from, for messages
 * @param label the class index, {@code >= 0}
 */
public record LabeledText(int line, String text, int label) {}
