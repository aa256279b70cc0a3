package io.cohort.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.client.job.Schemas;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.client.tabular.CanaryAudit;
import io.cohort.client.tabular.CsvDataset;
import io.cohort.client.tabular.TabularDpSgd;
import io.cohort.client.tabular.DpSgdParams;
import io.cohort.client.tabular.EncodedData;
import io.cohort.client.tabular.FeatureEncoder;
import io.cohort.client.tabular.MlpClassifier;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.crypto.dp.PrivacySpend;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node audit}: an empirical privacy audit in one training run (Steinke, Nasr and
 * Jagielski 2023) of a tabular DP job on this node's data. Trains the job's MLP locally with
 * DP-SGD for all its rounds x steps, with m white-box gradient canaries each included by a secret
 * coin, then prints one JSON line per run: m, guesses, correct guesses, the 95 % lower bound on
 * epsilon, and the accountant's epsilon for the same run. Nothing leaves the node; the coins and
 * scores are never printed. See docs/privacy-audit.md.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = {"Audit a tabular DP job empirically on local data (one run, canaries): prints the 95 % lower bound",
        "on epsilon beside the accounted epsilon, as JSON. A lower bound: a small one proves nothing."})
final class AuditCommand implements Callable<Integer> {
  @Spec
  CommandSpec commandSpec;

  @Option(names = "--spec", required = true, paramLabel = "FILE", description = "The job spec as cohort.v1.JobSpec JSON (a tabular job with a privacy block).")
  Path spec;

  @Option(names = "--train", required = true, paramLabel = "CSV", description = "This node's training data.")
  Path train;

  @Option(names = "--canaries", defaultValue = "1000", paramLabel = "M",
      description = "Gradient canaries, at most the model's parameter count; 0 trains without the audit (for timing). Default: ${DEFAULT-VALUE}.")
  int canaries;

  @Option(names = "--guesses", paramLabel = "R", description = "Guesses: R/2 'included', the rest 'excluded'. Default: half the canaries.")
  Integer guesses;

  @Option(names = "--epsilon", paramLabel = "E", description = "Override the job's target epsilon (sigma is recalibrated).")
  Double epsilon;

  @Option(names = "--no-dp", description = "Train the same job without noise (sigma 0, clipping kept); the accounted epsilon is then infinite.")
  boolean noDp;

  @Option(names = "--runs", defaultValue = "1", paramLabel = "N", description = "Independent runs (fresh coins and noise each). Default: ${DEFAULT-VALUE}.")
  int runs;

  @Override
  public Integer call() throws Exception {
    JobSpec job = readSpec();
    if (!job.getPrivacy().getEnabled()) {
      throw new IllegalArgumentException("privacy: the job has no privacy block (privacy.enabled is false); the audit needs its"
          + " DP-SGD settings (clip_norm, sampling_rate or expected_batch_size, local_steps); add --no-dp to audit them without noise");
    }
    if (epsilon != null) {
      if (!(epsilon > 0) || epsilon.isInfinite()) {
        throw new IllegalArgumentException("--epsilon is " + epsilon + "; expected a finite value > 0");
      }
      job = job.toBuilder().setPrivacy(job.getPrivacy().toBuilder().setTargetEpsilon(epsilon).setNoiseMultiplier(0)).build();
    }
    if (runs < 1) {
      throw new IllegalArgumentException("--runs is " + runs + "; expected at least 1");
    }
    if (canaries < 0) {
      throw new IllegalArgumentException("--canaries is " + canaries + "; expected 0 (no audit) or more");
    }
    TabularSchema schema = Schemas.fromSpec(job.getTabular());
    CsvDataset csv = CsvDataset.load(train, schema);
    List<Integer> rows = IntStream.range(0, csv.size()).boxed().toList();
    EncodedData data = FeatureEncoder.fit(csv, rows, schema, Schemas.standardize(job.getTabular())).encode(csv, rows);
    // A local audit releases no evaluation, so the target epsilon is training's alone (issue 19 #3 charges
    // evaluations only where their statistics leave a node).
    DpPlan plan = DpPlanner.plan(job.toBuilder().setPrivacy(job.getPrivacy().toBuilder().setPublicValidation(true))
        .build(), data.size());
    double lr = job.getPrivacy().getLearningRate() > 0 ? job.getPrivacy().getLearningRate() : job.getTraining().getLearningRate();
    DpSgdParams p = new DpSgdParams(plan.stepsPerRound() * plan.rounds(), plan.samplingRate(),
        noDp ? 0 : plan.noiseMultiplier(), plan.clipNorm(), lr, plan.optimizer());
    double delta = job.getPrivacy().getDelta();
    String accounted = noDp ? "null" : json(accounted(job, plan, delta));
    TensorBundle start = MlpClassifier.initialize(schema.inputWidth(), schema.hiddenUnits(), schema.numClasses(), job.getSeed());
    int r = guesses != null ? guesses : Math.max(1, canaries / 2);
    GaussianNoise noise = GaussianNoise.create();
    for (int run = 0; run < runs; run++) {
      long seed = job.getSeed() + run;
      long t0 = System.nanoTime();
      String line;
      if (canaries == 0) {
        TabularDpSgd.train(start, data, p, PoissonSampler.secure(), noise);
        line = String.format(Locale.ROOT, "{\"run\": %d, \"canaries\": 0, \"train_ms\": %d}", run,
            (System.nanoTime() - t0) / 1_000_000);
      } else {
        CanaryAudit.Report a = CanaryAudit.train(start, data, p, seed, noise, canaries, r, delta).report();
        line = String.format(Locale.ROOT, "{\"run\": %d, \"dp\": %s, \"canaries\": %d, \"guesses\": %d, \"correct\": %d,"
            + " \"epsilon_lower_bound\": %.4f, \"confidence\": %.2f, \"accounted_epsilon\": %s, \"delta\": %s,"
            + " \"sigma\": %.4f, \"steps\": %d, \"sampling_rate\": %s, \"train_ms\": %d}",
            run, !noDp, a.canaries(), a.guesses(), a.correct(), a.epsilonLowerBound(), a.confidence(), accounted,
            json(delta), p.noiseMultiplier(), p.steps(), json(p.samplingRate()), (System.nanoTime() - t0) / 1_000_000);
      }
      commandSpec.commandLine().getOut().println(line);
    }
    return ExitCode.OK.code();
  }

  private JobSpec readSpec() throws Exception {
    if (!Files.isRegularFile(spec)) {
      throw new IllegalArgumentException("--spec " + spec + ": no such file (expected a cohort.v1.JobSpec JSON file)");
    }
    if (!Files.isRegularFile(train)) {
      throw new IllegalArgumentException("--train " + train + ": no such file (expected this node's CSV)");
    }
    JobSpec.Builder b = JobSpec.newBuilder();
    try {
      JsonFormat.parser().merge(Files.readString(spec), b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("--spec " + spec + ": not a cohort.v1.JobSpec JSON file (" + e.getMessage() + ")");
    }
    if (b.getTask() != TaskType.TASK_TYPE_TABULAR_CLASSIFICATION && b.getTask() != TaskType.TASK_TYPE_UNSPECIFIED) {
      throw new IllegalArgumentException("task: the audit supports tabular_classification jobs, not " + b.getTask()
          + " (text canaries are not built yet)");
    }
    return b.build();
  }

  private static double accounted(JobSpec job, DpPlan plan, double delta) throws DpParameterException {
    PrivacySpend s = DpPlanner.accountant(job.getPrivacy().getAccountant()).epsilon(plan.wholeJob(), delta);
    return s.epsilon();
  }

  private static String json(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%s", v) : "null";
  }
}
