package io.cohort.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Issue 23 #7: progress lines on stderr, so that a long central baseline or slow rounds are not silent and
 * stdout (which scripts and tests read) keeps only results. Every line starts with {@code progress:} and says
 * what is done, the time elapsed and, once something has finished, an estimate of the time left (the mean time
 * per finished unit, times the units left).
 */
public final class Progress {
  private final PrintStream err;
  private final LongSupplier millis;

  public Progress(PrintStream err, LongSupplier millis) {
    this.err = err;
    this.millis = millis;
  }

  public long now() {
    return millis.getAsLong();
  }

  /** {@code what} has finished {@code done} of {@code total} units since {@code startMillis}. */
  public void step(String what, String unit, int done, int total, long startMillis) {
    err.println(line(what, unit, done, total, now() - startMillis));
  }

  /** Something without countable units is still running, {@code elapsed} ms in. */
  public void running(String what, long startMillis) {
    err.println("progress: " + what + " running, " + duration(now() - startMillis) + " elapsed");
  }

  public static String line(String what, String unit, int done, int total, long elapsedMillis) {
    String left = done <= 0 || total <= done ? ""
        : ", about " + duration(Math.round((double) elapsedMillis / done * (total - done))) + " left";
    return String.format(Locale.ROOT, "progress: %s %s %d/%d done, %s elapsed%s", what, unit, done, total,
        duration(elapsedMillis), left);
  }

  /** 42s, 3m05s, 1h02m. */
  public static String duration(long millis) {
    long s = Math.max(0, Math.round(millis / 1000.0));
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
