package io.cohort.client.tabular;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.wire.TensorBundle;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Plain-Java benchmark (not a test): one DP-SGD step (per-example gradients, clipping, noise, Adam) divided by
 * one plain step (DL4J's batch gradient, Adam) on the same rows, for the default MLP (61-32-2, the vectorised
 * dense path) and the deeper network of {@code examples/credit/deeper-dropout.dl4j.json} (61-32-16-2 with
 * dropout, DL4J's micro-batch-of-one path). Credit-g, 267 rows (one node's shard), q = 1 as in job-dp.yaml.
 * The four timings alternate round-robin in one JVM, so load on a shared machine hits them alike; medians of
 * {@code args[0]} (default 15) rounds after 3 warm-up rounds. Run as {@link io.cohort.client.cli.TrainStepBenchmark}
 * (docs/benchmarks.md) with class {@code io.cohort.client.tabular.DpStepBenchmark}.
 */
public final class DpStepBenchmark {
  private static final int ROWS = 267;
  private static final int STEPS = 10;
  private static final long SEED = 42;

  private DpStepBenchmark() {}

  static MultiLayerConfiguration deeper(int in) {
    return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(SEED).list()
        .layer(new DenseLayer.Builder().nIn(in).nOut(32).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nIn(32).nOut(16).activation(Activation.RELU).dropOut(0.8).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(2)
            .activation(Activation.SOFTMAX).build())
        .build();
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    TabularSchema schema = CreditData.schema(List.of(32));
    CsvDataset csv = CsvDataset.load(CreditData.file(), schema);
    List<Integer> rows = IntStream.range(0, ROWS).boxed().toList();
    EncodedData data = FeatureEncoder.fit(csv, rows, schema).encode(csv, rows);
    List<TabularNetwork> models = List.of(MlpClassifier.network(schema.inputWidth(), List.of(32), 2),
        TabularNetwork.of(deeper(schema.inputWidth()), schema.inputWidth(), 2));
    List<String> names = List.of("default MLP 61-32-2 (dense fast path)", "deeper 61-32-16-2, dropout (micro-batch)");
    GaussianNoise noise = GaussianNoise.create();
    double[][] plain = new double[2][rounds];
    double[][] dp = new double[2][rounds];
    for (int r = -3; r < rounds; r++) {
      for (int m = 0; m < 2; m++) {
        TabularNetwork model = models.get(m);
        TensorBundle start = model.initialize(SEED);
        long t0 = System.nanoTime();
        NetworkTraining.train(model, start, data, new TrainingParams(STEPS, ROWS, 0.01), SEED, null, 0);
        long t1 = System.nanoTime();
        TabularDpSgd.train(model, start, data, new DpSgdParams(STEPS, 1.0, 1.0, 1.0, 0.01,
            DpSgdParams.Optimizer.ADAM), PoissonSampler.secure(), noise, null, 0);
        long t2 = System.nanoTime();
        if (r >= 0) {
          plain[m][r] = (t1 - t0) / 1e6 / STEPS;
          dp[m][r] = (t2 - t1) / 1e6 / STEPS;
        }
      }
    }
    for (int m = 0; m < 2; m++) {
      double[] ratios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratios[r] = dp[m][r] / plain[m][r];
      }
      System.out.printf(Locale.ROOT, "%s, %d parameters, batch %d: plain step %.2f ms, DP step %.2f ms, DP / plain"
          + " %.1fx (median of per-round ratios; min %.1f, max %.1f)%n", names.get(m), models.get(m).parameterCount(),
          ROWS, median(plain[m]), median(dp[m]), median(ratios), Arrays.stream(ratios).min().orElse(0),
          Arrays.stream(ratios).max().orElse(0));
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
