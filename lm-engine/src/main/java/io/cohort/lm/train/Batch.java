package io.cohort.lm.train;

/**
 * A right-padded batch of token sequences: {@code ids} is [batch, seqLen] example-major, example
 * {@code i} has {@code lengths[i]} real tokens, and {@code labels[i]} its class (classification only).
 */
public record Batch(int[] ids, int[] lengths, int[] labels, int batch, int seqLen) {
  public Batch {
    if (ids.length != batch * seqLen || lengths.length != batch) {
      throw new IllegalArgumentException("batch of " + batch + " x " + seqLen + " needs " + (batch * seqLen)
          + " ids and " + batch + " lengths");
    }
    for (int len : lengths) {
      if (len < 1 || len > seqLen) {
        throw new IllegalArgumentException("sequence length " + len + " outside [1, " + seqLen + "]");
      }
    }
  }

  /** Pads {@code sequences} on the right with {@code padId} to the longest one. */
  public static Batch of(int[][] sequences, int[] labels, int padId) {
    int t = 1;
    for (int[] s : sequences) {
      t = Math.max(t, s.length);
    }
    int[] ids = new int[sequences.length * t];
    int[] lengths = new int[sequences.length];
    java.util.Arrays.fill(ids, padId);
    for (int i = 0; i < sequences.length; i++) {
      System.arraycopy(sequences[i], 0, ids, i * t, sequences[i].length);
      lengths[i] = sequences[i].length;
    }
    return new Batch(ids, lengths, labels, sequences.length, t);
  }

  public int realTokens() {
    int n = 0;
    for (int l : lengths) {
      n += l;
    }
    return n;
  }
}
