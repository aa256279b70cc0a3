package io.cohort.lm.data;

import java.util.List;

/**
 * Token ids of several sequences, right-padded to one length. {@code lengths[i]} tokens of row
 * {@code i} are real, the rest are {@code padId}; the mask says which is which, so losses and
 * pooling can ignore padding.
 */
public record TokenBatch(int[][] ids, int[] lengths, int padId) {
  public TokenBatch {
    if (ids.length != lengths.length) {
      throw new IllegalArgumentException(ids.length + " rows but " + lengths.length + " lengths");
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i].length != ids[0].length || lengths[i] < 0 || lengths[i] > ids[i].length) {
        throw new IllegalArgumentException("row " + i + " has " + ids[i].length + " ids and length " + lengths[i]
            + "; rows must share one padded length and lengths must fit it");
      }
    }
  }

  /**
   * Truncates each sequence to its first {@code maxLength} ids (right truncation, as Hugging Face
   * does by default) and right-pads them with {@code padId} to the longest, or to
   * {@code maxLength} when {@code padToMaxLength}.
   */
  public static TokenBatch pad(List<int[]> sequences, int maxLength, int padId, boolean padToMaxLength) {
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
    }
    int[] lengths = new int[sequences.size()];
    int width = padToMaxLength ? maxLength : 0;
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = Math.min(sequences.get(i).length, maxLength);
      width = Math.max(width, lengths[i]);
    }
    int[][] ids = new int[lengths.length][width];
    for (int i = 0; i < lengths.length; i++) {
      System.arraycopy(sequences.get(i), 0, ids[i], 0, lengths[i]);
      java.util.Arrays.fill(ids[i], lengths[i], width, padId);
    }
    return new TokenBatch(ids, lengths, padId);
  }

  public int batchSize() {
    return ids.length;
  }

  /** The padded length of every row (0 for an empty batch). */
  public int seqLen() {
    return ids.length == 0 ? 0 : ids[0].length;
  }

  /** {@code mask()[i][t]} is true where token {@code t} of row {@code i} is real. */
  public boolean[][] mask() {
    boolean[][] m = new boolean[ids.length][seqLen()];
    for (int i = 0; i < ids.length; i++) {
      java.util.Arrays.fill(m[i], 0, lengths[i], true);
    }
    return m;
  }

  public boolean isReal(int row, int position) {
    return position < lengths[row];
  }

  /** The number of real (unpadded) tokens in the batch. */
  public long realTokens() {
    long n = 0;
    for (int l : lengths) {
      n += l;
    }
    return n;
  }
}
