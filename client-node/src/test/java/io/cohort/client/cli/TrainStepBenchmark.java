package io.cohort.client.cli;

import io.cohort.client.tabular.CsvDataset;
import io.cohort.client.tabular.EncodedData;
import io.cohort.client.tabular.FeatureEncoder;
import io.cohort.client.tabular.MlpClassifier;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import io.cohort.client.tabular.TrainingParams;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Plain-Java benchmark (not a test) giving the DP noise cost its context: one local training
 * epoch of the tabular MLP of {@code examples/credit/job.yaml} (credit-g, 800 training rows as
 * after its 20% validation split, one hidden layer of 32, batch 32: 25 steps) against Gaussian
 * noise for that model's parameters and for 10M floats. Medians of 11 runs after 5 warm-up
 * epochs. Run from the repository root, after building client-node's test classes, with
 * {@code OMP_NUM_THREADS=1} as the node's tests use (ND4J is faster single-threaded on this size):
 * {@code OMP_NUM_THREADS=1 java -cp <client-node test classpath> io.cohort.client.cli.TrainStepBenchmark}.
 */
public final class TrainStepBenchmark {
  private static final int TRAIN_ROWS = 800;
  private static final long SEED = 42;

  private TrainStepBenchmark() {}

  public static void main(String[] args) throws Exception {
    TabularSchema schema = creditSchema();
    CsvDataset data = CsvDataset.load(creditFile(), schema);
    List<Integer> rows = IntStream.range(0, TRAIN_ROWS).boxed().toList();
    EncodedData train = FeatureEncoder.fit(data, rows, schema).encode(data, rows);
    TensorBundle start = MlpClassifier.initialize(schema.inputWidth(), schema.hiddenUnits(), 2, SEED);
    TrainingParams oneEpoch = new TrainingParams(1, 32, 3e-3);
    for (int w = 0; w < 5; w++) {
      MlpClassifier.train(start, train, oneEpoch, SEED);
    }
    double[] epochMs = new double[11];
    for (int i = 0; i < epochMs.length; i++) {
      long t = System.nanoTime();
      MlpClassifier.train(start, train, oneEpoch, SEED);
      epochMs[i] = (System.nanoTime() - t) / 1e6;
    }
    int steps = (TRAIN_ROWS + 31) / 32;
    int params = schema.inputWidth() * 32 + 32 + 32 * 2 + 2;
    GaussianNoise noise = GaussianNoise.create();
    double modelNoiseMs = noiseMs(noise, new float[params]);
    double bigNoiseMs = noiseMs(noise, new float[10_000_000]);
    double epoch = median(epochMs);
    System.out.printf(Locale.ROOT, "MLP credit-g (%d inputs, 32 hidden, %d parameters): one epoch of %d rows at batch"
        + " 32 = %d steps: median %.1f ms (runs %s), %.2f ms per step%n", schema.inputWidth(), params, TRAIN_ROWS,
        steps, epoch, round(epochMs), epoch / steps);
    double stepMs = epoch / steps;
    System.out.printf(Locale.ROOT, "Gaussian noise for the MLP's %d parameters: median %.1f us (%.1f%% of a step); for"
        + " 10M floats: median %.1f ms (%.0f steps)%n", params, modelNoiseMs * 1000, 100 * modelNoiseMs / stepMs,
        bigNoiseMs, bigNoiseMs / stepMs);
  }

  /** Median milliseconds per call; small vectors are timed in batches after a long warm-up (JIT). */
  private static double noiseMs(GaussianNoise noise, float[] v) throws Exception {
    int batch = v.length < 100_000 ? 1000 : 1;
    for (int w = 0; w < 5 * batch; w++) {
      noise.addNoise(v, 1.0);
    }
    double[] ms = new double[11];
    for (int i = 0; i < ms.length; i++) {
      long t = System.nanoTime();
      for (int b = 0; b < batch; b++) {
        noise.addNoise(v, 1.0);
      }
      ms[i] = (System.nanoTime() - t) / 1e6 / batch;
    }
    return median(ms);
  }

  /** The schema of examples/credit/job.yaml. */
  private static TabularSchema creditSchema() {
    return new TabularSchema("class", List.of("good", "bad"),
        List.of("duration", "credit_amount", "installment_commitment", "residence_since", "age", "existing_credits",
            "num_dependents"),
        List.of(
            new CategoricalColumn("checking_status", List.of("0<=X<200", "<0", ">=200", "no checking")),
            new CategoricalColumn("credit_history", List.of("all paid", "critical/other existing credit",
                "delayed previously", "existing paid", "no credits/all paid")),
            new CategoricalColumn("purpose", List.of("business", "domestic appliance", "education",
                "furniture/equipment", "new car", "other", "radio/tv", "repairs", "retraining", "used car")),
            new CategoricalColumn("savings_status",
                List.of("100<=X<500", "500<=X<1000", "<100", ">=1000", "no known savings")),
            new CategoricalColumn("employment", List.of("1<=X<4", "4<=X<7", "<1", ">=7", "unemployed")),
            new CategoricalColumn("personal_status",
                List.of("female div/dep/mar", "male div/sep", "male mar/wid", "male single")),
            new CategoricalColumn("other_parties", List.of("co applicant", "guarantor", "none")),
            new CategoricalColumn("property_magnitude",
                List.of("car", "life insurance", "no known property", "real estate")),
            new CategoricalColumn("other_payment_plans", List.of("bank", "none", "stores")),
            new CategoricalColumn("housing", List.of("for free", "own", "rent")),
            new CategoricalColumn("job", List.of("high qualif/self emp/mgmt", "skilled", "unemp/unskilled non res",
                "unskilled resident")),
            new CategoricalColumn("own_telephone", List.of("none", "yes")),
            new CategoricalColumn("foreign_worker", List.of("no", "yes"))),
        List.of(32));
  }

  private static Path creditFile() {
    for (Path p : List.of(Path.of("examples/credit/credit-g.csv"), Path.of("../examples/credit/credit-g.csv"))) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("examples/credit/credit-g.csv not found from " + Path.of("").toAbsolutePath());
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
