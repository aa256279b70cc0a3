package io.cohort.client.tabular;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import io.cohort.wire.TensorBundle;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Plain-Java benchmark (not a test): the wall-time and CPU-time overhead of the one-run audit on
 * the credit DP job (examples/credit/job-dp.yaml's settings, all 1000 rows, 100 DP-SGD steps at
 * q = 1, sigma for epsilon 8) with 1000 gradient canaries against the same run without them. Runs
 * alternate (without, with) so that load from other processes hits both alike; 2 warm-up pairs,
 * then medians of {@code args[0]} pairs (default 7). Run from the repository root after building
 * client-node's test classes: {@code OMP_NUM_THREADS=1 java -cp <client-node test classpath>
 * io.cohort.client.tabular.AuditOverheadBenchmark}.
 */
public final class AuditOverheadBenchmark {
  private AuditOverheadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    TabularSchema schema = CreditData.schema(List.of(16));
    CsvDataset csv = CsvDataset.load(CreditData.file(), schema);
    List<Integer> rows = IntStream.range(0, csv.size()).boxed().toList();
    EncodedData data = FeatureEncoder.fit(csv, rows, schema).encode(csv, rows);
    TensorBundle start = MlpClassifier.initialize(schema.inputWidth(), schema.hiddenUnits(), schema.numClasses(), 42);
    double sigma = new SigmaCalibrator(RdpAccountant.create()).calibrate(1.0, 100, 8.0, 1e-5);
    DpSgdParams p = new DpSgdParams(100, 1.0, sigma, 1.0, 0.03, DpSgdParams.Optimizer.ADAM);
    GaussianNoise noise = GaussianNoise.create();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long[][] wall = new long[2][pairs];
    long[][] cpuNs = new long[2][pairs];
    for (int i = -2; i < pairs; i++) {
      for (int k = 0; k < 2; k++) {
        int with = (i & 1) == 0 ? k : 1 - k; // alternate which goes first
        long w0 = System.nanoTime();
        long c0 = os.getProcessCpuTime();
        if (with == 1) {
          CanaryAudit.train(start, data, p, 42 + i, noise, 1000, 500, 1e-5);
        } else {
          TabularDpSgd.train(start, data, p, PoissonSampler.secure(), noise);
        }
        if (i >= 0) {
          wall[with][i] = System.nanoTime() - w0;
          cpuNs[with][i] = os.getProcessCpuTime() - c0;
        }
      }
    }
    double w0 = median(wall[0]);
    double w1 = median(wall[1]);
    double c0 = median(cpuNs[0]);
    double c1 = median(cpuNs[1]);
    System.out.printf("pairs %d; median wall ms: without %.0f, with 1000 canaries %.0f, ratio %.3f%n", pairs, w0 / 1e6,
        w1 / 1e6, w1 / w0);
    System.out.printf("median process CPU ms: without %.0f, with %.0f, ratio %.3f%n", c0 / 1e6, c1 / 1e6, c1 / c0);
    // The audit's own work, isolated from the training: canary hooks on every step, guessing, the bound.
    long[] own = new long[51];
    float[] sum = new float[TabularNetwork.flatten(start).length];
    for (int rep = 0; rep < own.length; rep++) {
      long t0 = System.nanoTime();
      GradientCanaries c = GradientCanaries.create(1000, sum.length, 1.0, rep);
      for (int step = 0; step < p.steps(); step++) {
        c.beforeNoise(sum, p.samplingRate());
        c.afterNoise(sum);
      }
      var counts = c.guess(500);
      io.cohort.crypto.dp.audit.OneRunAudit.epsilonLowerBound(counts.canaries(), counts.guesses(), counts.correct(),
          1e-5, 0.95);
      own[rep] = System.nanoTime() - t0;
    }
    System.out.printf("the audit's own work (hooks for %d steps, guess, bound): median %.2f ms = %.2f %% of the"
        + " median run without canaries%n", p.steps(), median(own) / 1e6, 100 * median(own) / w0);
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
  }
}
