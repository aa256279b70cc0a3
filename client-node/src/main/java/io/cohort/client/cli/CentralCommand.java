package io.cohort.client.cli;

import com.google.protobuf.util.JsonFormat;
import io.cohort.client.job.Schemas;
import io.cohort.client.tabular.CsvDataset;
import io.cohort.client.tabular.EncodedData;
import io.cohort.client.tabular.EvaluationStats;
import io.cohort.client.tabular.FeatureEncoder;
import io.cohort.client.job.JobNetworks;
import io.cohort.client.tabular.NetworkTraining;
import io.cohort.client.tabular.TabularNetwork;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.client.tabular.TrainResult;
import io.cohort.client.tabular.TrainingParams;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains the job's model centrally on pooled data and evaluates it on a held-out file: the
 * baseline a federation is compared against. Same schema, architecture, hyper-parameters and
 * seed as the federated job; {@code rounds x local_epochs} epochs.
 */
@Command(name = "central", mixinStandardHelpOptions = true,
    description = "Train a job's model on pooled data and print held-out metrics as JSON (a baseline for simulations).")
final class CentralCommand implements Callable<Integer> {
  /** How each finished epoch is reported on stderr: this prefix, then "done/total". */
  static final String PROGRESS_PREFIX = "progress: epoch ";

  @Option(names = "--spec", required = true, paramLabel = "FILE", description = "The job spec as cohort.v1.JobSpec JSON.")
  Path spec;

  @Option(names = "--train", required = true, paramLabel = "CSV", description = "Pooled training data.")
  Path train;

  @Option(names = "--test", required = true, paramLabel = "CSV", description = "Held-out data.")
  Path test;

  @Override
  public Integer call() throws Exception {
    JobSpec.Builder b = JobSpec.newBuilder();
    JsonFormat.parser().merge(Files.readString(spec), b);
    JobSpec job = b.build();
    TabularSchema schema = Schemas.fromSpec(job.getTabular());
    CsvDataset trainData = CsvDataset.load(train, schema);
    CsvDataset testData = CsvDataset.load(test, schema);
    List<Integer> trainRows = IntStream.range(0, trainData.size()).boxed().toList();
    FeatureEncoder enc = FeatureEncoder.fit(trainData, trainRows, schema, Schemas.standardize(job.getTabular()));
    var t = job.getTraining();
    long start = System.nanoTime();
    TabularNetwork network = JobNetworks.forJob(job.toBuilder().clearPrivacy().build(), schema);
    TensorBundleHolder init = new TensorBundleHolder(network.initialize(job.getSeed()));
    EncodedData encoded = enc.encode(trainData, trainRows);
    int epochs = job.getRounds() * t.getLocalEpochs();
    // Issue 23 #7: one stderr line per epoch, which `cohort simulate` turns into progress with time left.
    TrainResult r = NetworkTraining.train(network, init.bundle(), encoded,
        new TrainingParams(epochs, t.getBatchSize(), t.getLearningRate(),
            Schemas.classWeights(job.getTabular(), encoded.labels())), job.getSeed(), null, 0,
        epoch -> System.err.println(PROGRESS_PREFIX + epoch + "/" + epochs));
    EvaluationStats s = NetworkTraining.evaluate(network, r.weights(),
        enc.encode(testData, IntStream.range(0, testData.size()).boxed().toList()));
    long trainMs = (System.nanoTime() - start) / 1_000_000;
    if (s.regression() != null) {
      System.out.println(String.format(Locale.ROOT,
          "{\"examples\": %d, \"loss\": %.6f, \"rmse\": %.6f, \"mae\": %.6f, \"r2\": %.6f, \"train_examples\": %d,"
              + " \"train_ms\": %d}", s.numExamples(), s.meanLoss(), s.regression().rmse(), s.regression().mae(),
          s.regression().r2(), r.examples(), trainMs));
      return ExitCode.OK.code();
    }
    if (s.classPositives() != null) {
      // Multi-class: the macro one-vs-rest ROC AUC, and no positive-class metrics (no class is the positive one).
      System.out.println(String.format(Locale.ROOT,
          "{\"examples\": %d, \"loss\": %.6f, \"accuracy\": %.6f, \"roc_auc\": %.6f, \"train_examples\": %d,"
              + " \"train_ms\": %d}", s.numExamples(), s.meanLoss(), s.accuracy(), s.macroRocAuc(), r.examples(),
          trainMs));
      return ExitCode.OK.code();
    }
    long[] pos = s.positiveScoreHistogram();
    long[] neg = s.negativeScoreHistogram();
    PooledEvaluation.ThresholdMetrics best = PooledEvaluation.bestF1(pos, neg);
    System.out.println(String.format(Locale.ROOT,
        "{\"examples\": %d, \"loss\": %.6f, \"accuracy\": %.6f, \"roc_auc\": %.6f, \"pr_auc\": %.6f, \"f1\": %.6f,"
            + " \"best_threshold\": %.6f, \"best_f1\": %.6f, \"train_examples\": %d, \"train_ms\": %d}",
        s.numExamples(), s.meanLoss(), s.accuracy(), s.rocAuc(), PooledEvaluation.prAuc(pos, neg),
        PooledEvaluation.f1AtHalf(pos, neg), best.threshold(), best.f1(), r.examples(), trainMs));
    return ExitCode.OK.code();
  }

  private record TensorBundleHolder(TensorBundle bundle) {}
}
