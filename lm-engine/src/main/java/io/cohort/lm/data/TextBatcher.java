package io.cohort.lm.data;

import io.cohort.lm.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns texts into {@link TokenBatch}es: tokenise, optionally append end-of-text (for causal LM,
 * so the model learns where a document ends), truncate to {@code maxLength} and pad with the
 * end-of-text id (GPT-2 has no padding token; the mask marks padding). An empty text becomes the
 * single end-of-text token, so every row has at least one real token to pool or predict from.
 */
public final class TextBatcher {
  private final TextTokenizer tokenizer;
  private final int maxLength;
  private final boolean appendEos;
  private final boolean padToMaxLength;

  public TextBatcher(TextTokenizer tokenizer, int maxLength, boolean appendEos, boolean padToMaxLength) {
    if (maxLength < 1) {
      throw new IllegalArgumentException("max sequence length must be >= 1, got " + maxLength);
    }
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
    this.appendEos = appendEos;
    this.padToMaxLength = padToMaxLength;
  }

  /** A batch of token ids with the class labels of the same records. */
  public record LabeledBatch(TokenBatch tokens, int[] labels) {}

  public int maxLength() {
    return maxLength;
  }

  /** The ids of one text, truncated to {@code maxLength} (end-of-text, if appended, may be cut). */
  public int[] tokenize(String text) {
    int[] ids = tokenizer.encode(text);
    int eos = tokenizer.eosId();
    if (ids.length == 0) {
      return new int[] {eos};
    }
    int n = Math.min(ids.length + (appendEos ? 1 : 0), maxLength);
    int[] out = java.util.Arrays.copyOf(ids, n);
    if (appendEos && ids.length < maxLength) {
      out[ids.length] = eos;
    }
    return out;
  }

  /** Token ids of every text, in order, computed once so epochs can reuse them. */
  public List<int[]> tokenizeAll(List<String> texts) {
    List<int[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(tokenize(t));
    }
    return out;
  }

  /** Pads already tokenised sequences (from {@link #tokenize}) into one batch. */
  public TokenBatch pad(List<int[]> sequences) {
    return TokenBatch.pad(sequences, maxLength, tokenizer.eosId(), padToMaxLength);
  }

  public TokenBatch batch(List<String> texts) {
    return pad(tokenizeAll(texts));
  }

  public LabeledBatch labeledBatch(List<LabeledText> records) {
    List<String> texts = new ArrayList<>(records.size());
    int[] labels = new int[records.size()];
    for (int i = 0; i < labels.length; i++) {
      texts.add(records.get(i).text());
      labels[i] = records.get(i).label();
    }
    return new LabeledBatch(batch(texts), labels);
  }
}
