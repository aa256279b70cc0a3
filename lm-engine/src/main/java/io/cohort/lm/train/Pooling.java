package io.cohort.lm.train;

/** How a sequence's final hidden states become one vector for the classification head. */
public enum Pooling {
  /** The mean over the sequence's real (non-padding) tokens. */
  MEAN,
  /** The hidden state of the sequence's last real token (Hugging Face's GPT2ForSequenceClassification). */
  LAST
}
