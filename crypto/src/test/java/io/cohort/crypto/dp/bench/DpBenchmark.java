package io.cohort.crypto.dp.bench;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PldAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.PrivacySpend;
import io.cohort.crypto.dp.RdpAccountant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Plain-Java benchmark of the DP core (JMH is not set up): epsilon of a 10,000-step heterogeneous
 * plan (RDP cold, i.e. a new accountant each run; PLD) and 10M floats of Gaussian noise; medians
 * after warm-up. Run after {@code ./mvnw -q -B -o -pl crypto install -DskipTests} with
 * {@code java -cp crypto/target/classes:crypto/target/test-classes io.cohort.crypto.dp.bench.DpBenchmark [--slow]}.
 * {@code --slow} also runs the fixture's PLD rows that the unit tests skip.
 */
public final class DpBenchmark {
  private DpBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.println("cores=" + Runtime.getRuntime().availableProcessors() + " java=" + System.getProperty("java.version"));
    // 10 segments x 1000 steps, every segment a different (q, sigma): a node's rounds that differ.
    List<PlanSegment> segs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      segs.add(PlanSegment.of(0.002 + 0.001 * i, 0.9 + 0.05 * i, 1000));
    }
    PrivacyPlan plan = PrivacyPlan.of(segs);
    double[] rdpMs = new double[7];
    PrivacySpend rdp = null;
    for (int r = 0; r < rdpMs.length; r++) {
      long t = System.nanoTime();
      rdp = RdpAccountant.create().epsilon(plan, 1e-5);
      rdpMs[r] = (System.nanoTime() - t) / 1e6;
    }
    System.out.printf(Locale.ROOT, "RDP  10,000-step heterogeneous plan (10 segments): eps=%.6f  median %.1f ms (runs %s)%n",
        rdp.epsilon(), median(rdpMs), round(rdpMs));
    double[] pldMs = new double[3];
    PrivacySpend pld = null;
    for (int r = 0; r < pldMs.length; r++) {
      long t = System.nanoTime();
      pld = PldAccountant.create().epsilon(plan, 1e-5);
      pldMs[r] = (System.nanoTime() - t) / 1e6;
    }
    System.out.printf(Locale.ROOT, "PLD  same plan: eps=%.6f (error bound %.4f)  median %.0f ms (runs %s)%n",
        pld.epsilon(), pld.epsilonError(), median(pldMs), round(pldMs));

    GaussianNoise noise = GaussianNoise.create();
    float[] v = new float[10_000_000];
    double[] noiseMs = new double[11];
    for (int w = 0; w < 5; w++) {
      noise.addNoise(v, 1.0);
    }
    for (int r = 0; r < noiseMs.length; r++) {
      long t = System.nanoTime();
      noise.addNoise(v, 1.0);
      noiseMs[r] = (System.nanoTime() - t) / 1e6;
    }
    System.out.printf(Locale.ROOT, "Noise 10M floats (AES-256-CTR + ziggurat): median %.1f ms (runs %s)%n",
        median(noiseMs), round(noiseMs));
    if (args.length > 0 && args[0].equals("--slow")) {
      double[][] rows = {{0.001, 0.8, 10000, 1e-6, 0.9473238336059042}, {0.05, 0.5, 1000, 1e-6, 65.15227509638474},
          {256.0 / 60000, 1.1, 14063, 1e-5, 2.3817788079120428}};
      for (double[] row : rows) {
        long t = System.nanoTime();
        PrivacySpend s = PldAccountant.create().epsilon(PrivacyPlan.of(row[0], row[1], (long) row[2]), row[3]);
        System.out.printf(Locale.ROOT, "PLD q=%s sigma=%s steps=%d delta=%s: eps=%.6f (dp_accounting %.6f, diff %.2e, error bound %.4f) %d ms%n",
            row[0], row[1], (long) row[2], row[3], s.epsilon(), row[4], s.epsilon() - row[4], s.epsilonError(),
            (System.nanoTime() - t) / 1_000_000);
      }
    }
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static String round(double[] x) {
    return Arrays.toString(Arrays.stream(x).map(d -> Math.round(d * 10) / 10.0).toArray());
  }
}
