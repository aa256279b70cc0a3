package io.cohort.cli;

import io.cohort.adminapi.PrivacyAuditView;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Audited beside accounted epsilon, one line per node: shared by {@code job status}, {@code privacy show} and simulate. */
public final class AuditLines {
  private AuditLines() {}

  /** The header line of {@link #format}'s table. */
  public static String header() {
    return String.format(Locale.ROOT, "%-16s %-20s %5s %10s %10s %8s %9s  %s", "JOB", "NODE", "ROUND",
        "ACCOUNTED", "AUDITED>=", "DELTA", "CORRECT", "CHECK");
  }

  /**
   * One node's audit: the accounted epsilon (inf for a job without DP), the 95 % lower bound, right
   * guesses of guesses over canaries, and whether the bound stays at or under the accounted epsilon.
   */
  public static String format(PrivacyAuditView a) {
    boolean dp = a.accountedEpsilon() != null;
    String check = !dp ? "no DP: nothing to check"
        : a.epsilonLowerBound() <= a.accountedEpsilon() ? "ok (bound <= accounted)"
        : "BOUND ABOVE ACCOUNTED EPSILON: implementation or accounting broken";
    return String.format(Locale.ROOT, "%-16s %-20s %5d %10s %10.4f %8.2g %4d/%-4d  %s  (%d canaries, %.0f %%)",
        a.jobId(), a.nodeId(), a.round(), dp ? String.format(Locale.ROOT, "%.4f", a.accountedEpsilon()) : "inf",
        a.epsilonLowerBound(), a.delta(), a.correct(), a.guesses(), check, a.canaries(), 100 * a.confidence());
  }

  /** Prints the table to {@code out}, or nothing when there are no audits. */
  public static void print(PrintStream out, List<PrivacyAuditView> audits) {
    if (audits == null || audits.isEmpty()) {
      return;
    }
    out.println("privacy audit (one run, per node; a lower bound: a small one proves nothing):");
    out.println(header());
    audits.forEach(a -> out.println(format(a)));
  }
}
