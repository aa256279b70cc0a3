package io.cohort.client.job;

import io.cohort.proto.v1.AuditSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * docs/privacy-audit.md's Reuters text rows: {@code TextAuditCalibration ROWS ROUNDS RUNS} runs one
 * node's rounds of the audited text job ({@link TextAuditTest#job}) without DP, at epsilon 8 and at
 * epsilon 1, RUNS times each (fresh SecureRandom coins each run), and prints one line per run.
 */
public final class TextAuditCalibration {
  private TextAuditCalibration() {
  }

  public static void main(String[] args) throws Exception {
    int rows = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    int runs = Integer.parseInt(args[2]);
    Path dir = Files.createTempDirectory("text-audit");
    for (double eps : new double[] {0, 8, 1}) {
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        AuditSummary s = TextAuditTest.run(dir, TextAuditTest.job("cal-" + eps + "-" + r, eps, rounds, 500), rows);
        System.out.printf(Locale.ROOT, "%s run %d: m %d r %d correct %d bound %.3f accounted %s steps %d (%.0f s)%n",
            eps == 0 ? "no DP" : "eps " + (int) eps, r + 1, s.getCanaries(), s.getGuesses(), s.getCorrect(),
            s.getEpsilonLowerBound(), s.hasAccountedEpsilon() ? String.format(Locale.ROOT, "%.3f",
                s.getAccountedEpsilon()) : "-", s.getSteps(), (System.nanoTime() - t0) / 1e9);
      }
    }
  }
}
