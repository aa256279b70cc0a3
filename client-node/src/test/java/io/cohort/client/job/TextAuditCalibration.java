package io.cohort.client.job;

import io.cohort.proto.v1.AuditSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * docs/privacy-audit.md's Reuters text rows: {@code TextAuditCalibration ROWS ROUNDS RUNS} runs one
 * node's rounds of the audited text job ({@link TextAuditTest#job}) without DP, at epsilon 8 and at
 * epsilon 1, RUNS times each (fresh SecureRandom coins each run), and prints one line per run.
 * {@code TextAuditCalibration ROWS ROUNDS PAIRS overhead}: the epsilon-8 job without and with the
 * audit, alternating, PAIRS times after one warm-up pair; wall time of each.
 */
public final class TextAuditCalibration {
  private TextAuditCalibration() {
  }

  public static void main(String[] args) throws Exception {
    int rows = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    int runs = Integer.parseInt(args[2]);
    Path dir = Files.createTempDirectory("text-audit");
    if (args.length > 3 && args[3].equals("overhead")) {
      for (int r = 0; r <= runs; r++) {
        for (boolean audited : new boolean[] {false, true}) {
          io.cohort.proto.v1.JobSpec spec = TextAuditTest.job("ovh-" + r + "-" + audited, 8, rounds, 500);
          if (!audited) {
            spec = spec.toBuilder().setPrivacy(spec.getPrivacy().toBuilder().clearAudit()).build();
          }
          long t0 = System.nanoTime();
          TextAuditTest.train(dir, spec, rows);
          System.out.printf(Locale.ROOT, "%s pair %d %s: %.2f s%n", r == 0 ? "warm-up" : "measured", r,
              audited ? "with audit" : "without", (System.nanoTime() - t0) / 1e9);
        }
      }
      return;
    }
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
