package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.experiments.DpArms;
import io.cohort.client.partition.JsonlPartitioner;
import io.cohort.client.partition.PartitionFiles;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.tabular.DpSgdParams;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import io.cohort.crypto.dp.distributed.DistributedDpJob;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.lm.train.SequenceClassification;
import io.cohort.lm.train.ClassificationMetrics;
import io.cohort.lm.train.Evaluation;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LoraSpec;
import io.cohort.proto.v1.TextSpec;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Issue 19's comparison on Reuters grain text (docs/results.md), in process with the platform's own
 * code, as {@code io.cohort.client.experiments.DistributedDpComparison} does for the credit data:
 * {@code examples/text/reuters-grain-train.jsonl} split as {@code cohort simulate} splits it (20 % of
 * each label held out for validation, 3 IID shards, seed 42), the model and adapter of
 * {@code examples/text/job-ddp.yaml} (tiny GPT-2, FFA-LoRA r 2 on {@code h.3.attn.c_attn} plus the
 * head, max_length 64, mean pooling), and for the same (q, C, steps):
 *
 * <ul>
 *   <li><b>central</b>: DP-SGD ({@code LmTrainer.trainPrivately}) on the three nodes' training records
 *       pooled, {@code steps} steps, at the distributed arm's sigma ("same (q, sigma, C, steps)", the
 *       issue's comparison) and, as a second row, at the sigma the RDP accountant gives for epsilon
 *       (what a trusted curator could do);
 *   <li><b>local</b>: today's federated DP, {@code steps / localSteps} rounds of {@code localSteps}
 *       DP-SGD steps on each node at q with its own full noise (RDP sigma for epsilon over
 *       {@code steps} steps, as a node's ledger records them), averaged by example count (FedAvg, no
 *       SecAgg quantisation);
 *   <li><b>distributed</b>: {@code steps} rounds of one step: each node's clipped per-record gradients
 *       ({@code LmTrainer.clippedUnitGradients}) encoded with its discrete Gaussian share
 *       ({@code DistributedDpEncoder}, shares for 3 contributors, {@code min_honest} 2), the words
 *       summed mod 2^32 (SecAgg's unmasked sum), decoded, then bias-corrected Adam on the server with
 *       the nodes' DP-Adam settings. Sigma is the job's: {@code DistributedDpJob.resolve} (calibrated so
 *       the node's ledger records at most epsilon).
 * </ul>
 *
 * All arms use Adam at {@link #LR} (betas 0.9/0.999, no weight decay). Metrics are exact (per-record
 * probabilities, not histograms) on {@code examples/text/reuters-grain-test.jsonl}, which no node saw:
 * ROC AUC, F1 at 0.5, and F1 at the threshold that maximised F1 on the nodes' pooled validation
 * records. Noise and sampling are SecureRandom's (unseeded), hence several runs.
 *
 * <p>Run (from the repository root, after {@code ./mvnw -o -q -B -pl client-node -am test-compile}):
 * {@code java -cp <client-node test classpath> io.cohort.client.job.TextDistributedDpComparison <epsilon>
 * <runs> [steps] [q] [arms]}, arms a comma list of central,central-rdp,local,distributed (default all);
 * see docs/results.md for the exact command.
 */
public final class TextDistributedDpComparison {
  private static final double CLIP = 5.0;
  private static final double DELTA = 1e-5;
  private static final double LR = 0.05;
  private static final int NODES = 3;
  private static final int MIN_HONEST = 2;
  private static final int LOCAL_STEPS = 5;
  private static final Path MODEL = Path.of("examples", "text", "tiny-gpt2-reuters");

  private TextDistributedDpComparison() {}

  public static void main(String[] args) throws Exception {
    double epsilon = Double.parseDouble(args[0]);
    int runs = Integer.parseInt(args[1]);
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    double q = args.length > 3 ? Double.parseDouble(args[3]) : 0.2;
    List<String> arms = List.of((args.length > 4 ? args[4] : "central,central-rdp,local,distributed").split(","));
    Path work = Files.createTempDirectory("ddp-text-compare");
    JsonlPartitioner.partition(Path.of("examples/text/reuters-grain-train.jsonl"), "label", 0.2, NODES, 0, 42, work,
        "reuters");
    PartitionFiles files = PartitionFiles.jsonl(work, "reuters");
    JobSpec spec = spec(io.cohort.format.checkpoint.CheckpointDigest.of(MODEL));
    List<LmTrainer> nodes = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      nodes.add(new LmTrainer(config("n" + i, files.shard(i), files.shardHeldOut(i), work)));
    }
    LmTrainer central = new LmTrainer(config("central", files.pooledTraining(), files.heldOut(), work));
    Path test = Path.of("examples/text/reuters-grain-test.jsonl");
    LmTrainer tester = new LmTrainer(config("test", test, test, work));
    long[] rows = new long[NODES];
    long total = 0;
    for (int i = 0; i < NODES; i++) {
      rows[i] = nodes.get(i).trainingExamples(spec);
      total += rows[i];
    }
    if (central.trainingExamples(spec) != total) {
      throw new IllegalStateException("pooled training file has " + central.trainingExamples(spec) + " records, the"
          + " shards " + total);
    }
    TensorBundle init = nodes.get(0).initialParameters(spec);
    int d = init.tensors().stream().mapToInt(t -> t.values().length).sum();
    double expectedBatch = q * total;
    double sigmaRdp = new SigmaCalibrator(RdpAccountant.create()).calibrate(q, steps, epsilon, DELTA);
    DistributedDpParameters codec = DistributedDpJob.resolve(CLIP, 0, epsilon, DELTA, q, steps, d, NODES, MIN_HONEST,
        expectedBatch);
    double sigmaDdp = codec.noiseMultiplier();
    System.out.printf(Locale.ROOT, "reuters grain: %d nodes, %s training records (%d pooled), d=%d, q=%s, C=%s, %d"
        + " steps, epsilon %s at delta %s: sigma (RDP: central-rdp and local) %.4f, sigma (distributed job, also"
        + " central) %.4f; RDP epsilon of central at that sigma %.4f%n%s", NODES, java.util.Arrays.toString(rows),
        total, d, q, CLIP, steps, epsilon, DELTA, sigmaRdp, sigmaDdp,
        RdpAccountant.create().epsilon(io.cohort.crypto.dp.PrivacyPlan.of(q, sigmaDdp, steps), DELTA).epsilon(), codec.describe());
    for (int run = 1; run <= runs; run++) {
      for (String arm : arms) {
        long t0 = System.nanoTime();
        TensorBundle model = switch (arm) {
          case "central" -> DpArms.central(central, spec, init, plan(q, sigmaDdp, steps));
          case "central-rdp" -> DpArms.central(central, spec, init, plan(q, sigmaRdp, steps));
          case "local" -> DpArms.local(nodes, rows, spec, init, q, sigmaRdp, CLIP, steps, LOCAL_STEPS);
          case "distributed" -> DpArms.distributed(nodes, spec, init, codec, q, steps, LR);
          default -> throw new IllegalArgumentException("arm " + arm + ": use central, central-rdp, local or"
              + " distributed");
        };
        long t1 = System.nanoTime();
        double threshold = tunedThreshold(nodes, spec, model);
        float[] probs = probabilities(tester, spec, model);
        int[] labels = tester.prepare(spec).data().validationLabels();
        ClassificationMetrics m = ClassificationMetrics.of(probs, labels, 2);
        System.out.printf(Locale.ROOT, "RESULT epsilon=%s run=%d arm=%s roc_auc=%.4f f1=%.4f f1_tuned=%.4f"
            + " threshold=%.4f seconds=%.0f%n", epsilon, run, arm, m.rocAuc(), m.f1(), f1At(probs, labels, threshold),
            threshold, (t1 - t0) / 1e9);
      }
    }
  }

  /** The job of examples/text/job-ddp.yaml, with the nodes' Adam at LR and no weight decay. */
  static JobSpec spec(String modelHash) {
    return TextJobs.seqCls("ddp-text-compare", modelHash, true).setDatasetAlias("news")
        .setLora(LoraSpec.newBuilder().setR(2).setAlpha(0.5f).setDropout(0).addTargetModules("h.3.attn.c_attn")
            .setFreezeA(true))
        .setText(TextSpec.newBuilder().setMaxLength(64).setPooling(io.cohort.proto.v1.Pooling.POOLING_MEAN)
            .setNumLabels(2).setWeightDecay(0.0))
        .setTraining(io.cohort.proto.v1.TrainingConfig.newBuilder().setLocalEpochs(1).setBatchSize(16)
            .setLearningRate(LR))
        .build();
  }

  private static DpPlan plan(double q, double sigma, int steps) {
    return new DpPlan(q, sigma, CLIP, steps, 1, DpSgdParams.Optimizer.ADAM);
  }

  private static NodeConfig config(String id, Path data, Path heldOut, Path work) {
    return TextJobs.config(id, work, data, Optional.of(heldOut), Map.of(TextJobs.MODEL_NAME, MODEL), Optional.empty());
  }

  /**
   * Both labels' probabilities (P(other), P(grain) per record) of every validation record of
   * {@code t}'s dataset (the test file for the tester).
   */
  private static float[] probabilities(LmTrainer t, JobSpec spec, TensorBundle model) throws Exception {
    LmTrainer.Prepared p = t.prepare(spec);
    synchronized (p) {
      p.model().load(model);
      SequenceClassification task = (SequenceClassification) p.model().task();
      return Evaluation.probabilities(p.model().model(), task, p.data().validation(), 32,
          p.model().tokenizer().eosId());
    }
  }

  /** The threshold on P(grain) that maximises F1 over the nodes' pooled validation records. */
  private static double tunedThreshold(List<LmTrainer> nodes, JobSpec spec, TensorBundle model) throws Exception {
    List<float[]> probs = new ArrayList<>();
    List<int[]> labels = new ArrayList<>();
    for (LmTrainer n : nodes) {
      probs.add(probabilities(n, spec, model));
      labels.add(n.prepare(spec).data().validationLabels());
    }
    int size = probs.stream().mapToInt(a -> a.length).sum() / 2;
    float[] all = new float[size * 2];
    int[] y = new int[size];
    int at = 0;
    for (int k = 0; k < probs.size(); k++) {
      System.arraycopy(probs.get(k), 0, all, 2 * at, probs.get(k).length);
      System.arraycopy(labels.get(k), 0, y, at, labels.get(k).length);
      at += labels.get(k).length;
    }
    double best = 0.5;
    double bestF1 = -1;
    for (int i = 0; i < size; i++) {
      double f = f1At(all, y, all[2 * i + 1]);
      if (f > bestF1) {
        bestF1 = f;
        best = all[2 * i + 1];
      }
    }
    return best;
  }

  /** F1 of "grain" when P(grain) >= threshold. */
  private static double f1At(float[] both, int[] labels, double threshold) {
    long tp = 0;
    long fp = 0;
    long fn = 0;
    for (int i = 0; i < labels.length; i++) {
      boolean predicted = both[2 * i + 1] >= threshold;
      if (predicted && labels[i] == 1) {
        tp++;
      } else if (predicted) {
        fp++;
      } else if (labels[i] == 1) {
        fn++;
      }
    }
    return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
  }
}
