package io.cohort.coordinator.store;

import java.util.Arrays;

/**
 * A round's pooled score histograms of the positive class, split by true class (issue 23 #7: the curves are
 * drawn from them), with their sparse text form in the {@code rounds} table: {@code BINS:i=count,...}, since
 * most of the 1000 bins of a small validation set are empty.
 */
public record ScoreHistograms(long[] positives, long[] negatives) {
  public ScoreHistograms {
    if (positives.length != negatives.length || positives.length == 0) {
      throw new IllegalArgumentException("histograms have " + positives.length + " and " + negatives.length
          + " bins; expected the same number, at least 1");
    }
  }

  static String encode(long[] counts) {
    StringBuilder s = new StringBuilder().append(counts.length).append(':');
    boolean first = true;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        s.append(first ? "" : ",").append(i).append('=').append(counts[i]);
        first = false;
      }
    }
    return s.toString();
  }

  static long[] decode(String text) {
    int colon = text.indexOf(':');
    long[] counts = new long[Integer.parseInt(text.substring(0, colon))];
    String body = text.substring(colon + 1);
    if (!body.isEmpty()) {
      for (String cell : body.split(",")) {
        int eq = cell.indexOf('=');
        counts[Integer.parseInt(cell.substring(0, eq))] = Long.parseLong(cell.substring(eq + 1));
      }
    }
    return counts;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScoreHistograms h && Arrays.equals(positives, h.positives)
        && Arrays.equals(negatives, h.negatives);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(positives) + Arrays.hashCode(negatives);
  }

  @Override
  public String toString() {
    return "ScoreHistograms[" + encode(positives) + " / " + encode(negatives) + "]";
  }
}
