package io.cohort.lm.tokenizer;

/** Text to token ids and back: GPT-2's own BPE ({@link Gpt2Tokenizer}) or a tokenizer.json ({@link HfTokenizer}). */
public interface TextTokenizer {
  /** The ids of {@code text} as the model's tokenizer gives them for {@code tokenizer(text)} in Python. */
  int[] encode(String text);

  String decode(int[] ids);

  /** The end-of-text id (also used for padding). */
  int eosId();
}
