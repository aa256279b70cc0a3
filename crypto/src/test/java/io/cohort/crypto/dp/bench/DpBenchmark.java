package io.cohort.crypto.dp.bench;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PldAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.PrivacySpend;
import io.cohort.crypto.dp.RdpAccountant;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;

/**
 * Plain-Java benchmark of the DP core (JMH is not set up): epsilon of a 10,000-step heterogeneous
 * plan (RDP cold, i.e. a new accountant each run; PLD) and 10M floats of Gaussian noise; medians
 * and minima after warm-up. The accountants are single-threaded, so their CPU time (the calling
 * thread's) is printed too: on a shared machine it is steadier than wall time. The load average
 * before and after shows how contended the machine was. Run after
 * {@code ./mvnw -q -B -o -pl crypto install -DskipTests} with
 * {@code java -cp crypto/target/classes:crypto/target/test-classes io.cohort.crypto.dp.bench.DpBenchmark}.
 * The slow PLD fixture rows this used to run are now in {@code PldAccountantTest}.
 */
public final class DpBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private DpBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.println("cores=" + Runtime.getRuntime().availableProcessors() + " java="
        + System.getProperty("java.version") + " loadavg(before)=" + loadAverage());
    // 10 segments x 1000 steps, every segment a different (q, sigma): a node's rounds that differ.
    List<PlanSegment> segs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      segs.add(PlanSegment.of(0.002 + 0.001 * i, 0.9 + 0.05 * i, 1000));
    }
    PrivacyPlan plan = PrivacyPlan.of(segs);
    double[][] rdp = new double[2][7];
    PrivacySpend r = null;
    for (int i = 0; i < rdp[0].length; i++) {
      long c = THREADS.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      r = RdpAccountant.create().epsilon(plan, 1e-5);
      rdp[0][i] = (System.nanoTime() - t) / 1e6;
      rdp[1][i] = (THREADS.getCurrentThreadCpuTime() - c) / 1e6;
    }
    System.out.printf(Locale.ROOT, "RDP  10,000-step heterogeneous plan (10 segments): eps=%.6f  %s%n", r.epsilon(),
        summary(rdp));
    double[][] pld = new double[2][5];
    PrivacySpend p = null;
    for (int i = 0; i < pld[0].length; i++) {
      long c = THREADS.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      p = PldAccountant.create().epsilon(plan, 1e-5);
      pld[0][i] = (System.nanoTime() - t) / 1e6;
      pld[1][i] = (THREADS.getCurrentThreadCpuTime() - c) / 1e6;
    }
    System.out.printf(Locale.ROOT, "PLD  same plan: eps=%.6f (error bound %.4f)  %s%n", p.epsilon(), p.epsilonError(),
        summary(pld));

    GaussianNoise noise = GaussianNoise.create();
    float[] v = new float[10_000_000];
    for (int w = 0; w < 5; w++) {
      noise.addNoise(v, 1.0);
    }
    double[] noiseMs = new double[11];
    for (int i = 0; i < noiseMs.length; i++) {
      long t = System.nanoTime();
      noise.addNoise(v, 1.0);
      noiseMs[i] = (System.nanoTime() - t) / 1e6;
    }
    System.out.printf(Locale.ROOT, "Noise 10M floats (AES-256-CTR + ziggurat, up to %d threads): wall median %.1f ms,"
        + " min %.1f (runs %s)%n", ForkJoinPool.getCommonPoolParallelism() + 1, median(noiseMs), min(noiseMs),
        round(noiseMs));
    System.out.println("loadavg(after)=" + loadAverage());
  }

  private static String summary(double[][] wallAndCpu) {
    return String.format(Locale.ROOT, "wall median %.1f ms (min %.1f), cpu median %.1f ms (runs %s)",
        median(wallAndCpu[0]), min(wallAndCpu[0]), median(wallAndCpu[1]), round(wallAndCpu[0]));
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "n/a";
    }
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double min(double[] x) {
    return Arrays.stream(x).min().orElse(Double.NaN);
  }

  private static String round(double[] x) {
    return Arrays.toString(Arrays.stream(x).map(d -> Math.round(d * 10) / 10.0).toArray());
  }
}
