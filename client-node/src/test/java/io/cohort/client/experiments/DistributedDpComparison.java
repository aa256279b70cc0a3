package io.cohort.client.experiments;

import com.google.protobuf.util.JsonFormat;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.TabularTrainer;
import io.cohort.client.partition.PartitionFiles;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.tabular.CsvPartitioner;
import io.cohort.client.tabular.DpSgdParams;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import io.cohort.crypto.dp.distributed.DistributedDpJob;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.PooledEvaluation;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Issue 19 #1's comparison on the credit data (docs/results.md), in process with the platform's own
 * code: the credit job's split (20 % stratified held out, 3 IID shards, seed 42), the job's MLP, and
 * for the same (q, sigma, C, steps):
 *
 * <ul>
 *   <li><b>central</b>: DP-SGD on the pooled training rows ({@code TabularTrainer.trainPrivately},
 *       {@code steps} steps);
 *   <li><b>local</b>: today's federated DP, {@code steps / 10} rounds of 10 DP-SGD steps on each node with
 *       its full noise, averaged by example count (FedAvg; no SecAgg quantisation);
 *   <li><b>distributed</b>: {@code steps} rounds of one step: each node's clipped per-example gradients
 *       ({@code TabularTrainer.clippedUnitGradients}) encoded with its discrete Gaussian share
 *       ({@code DistributedDpEncoder}, shares for 3 contributors), the words summed mod 2^32 (what
 *       SecAgg's unmasked sum is), decoded ({@code DistributedDpDecoder}), then Adam on the server with
 *       the same settings as the nodes' DP-Adam.
 * </ul>
 *
 * Sigma is calibrated per method to the target epsilon (RDP for central and local, the distributed
 * accountant for distributed); at q = 1 they agree to within a few per cent and are printed. ROC AUC
 * is pooled over the same 200 held-out rows (each node's held-out file) for all three.
 *
 * <p>Run: {@code java -cp <client-node test classpath> io.cohort.client.experiments.DistributedDpComparison
 * <epsilon> <runs> [steps]} (see docs/results.md for the exact command).
 */
public final class DistributedDpComparison {
  private static final double Q = 1.0;
  private static final double CLIP = 1.0;
  private static final double DELTA = 1e-5;
  private static final double LR = 0.03;
  private static final int NODES = 3;

  private DistributedDpComparison() {}

  public static void main(String[] args) throws Exception {
    double epsilon = Double.parseDouble(args[0]);
    int runs = Integer.parseInt(args[1]);
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    Path work = Files.createTempDirectory("ddp-compare");
    CsvPartitioner.partition(Path.of("examples/credit/credit-g.csv"), "class", 0.2, NODES, 0, 42, work, "credit");
    PartitionFiles files = PartitionFiles.csv(work, "credit");
    JobSpec.Builder jb = JobSpec.newBuilder();
    JsonFormat.parser().merge(Files.readString(Path.of("examples/credit/job-dp.spec.json")), jb);
    JobSpec spec = jb.build();
    List<TabularTrainer> nodes = new ArrayList<>();
    List<String> pooled = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      nodes.add(new TabularTrainer(config("n" + i, files.shard(i), files.shardHeldOut(i), work)));
      List<String> lines = Files.readAllLines(files.shard(i));
      pooled.addAll(i == 1 ? lines : lines.subList(1, lines.size()));
    }
    Path pooledFile = work.resolve("pooled.csv");
    Files.write(pooledFile, pooled);
    TabularTrainer central = new TabularTrainer(config("central", pooledFile, files.shardHeldOut(1), work));
    long[] rows = new long[NODES];
    long total = 0;
    for (int i = 0; i < NODES; i++) {
      rows[i] = nodes.get(i).trainingExamples(spec);
      total += rows[i];
    }
    TensorBundle init = nodes.get(0).initialParameters(spec);
    int d = init.tensors().stream().mapToInt(t -> t.values().length).sum();
    double sigmaRdp = new SigmaCalibrator(RdpAccountant.create()).calibrate(Q, steps, epsilon, DELTA);
    double sigmaDdp = DistributedDpJob.calibrateSigma(epsilon, DELTA, Q, steps, CLIP, d, NODES, 2, Q * total);
    DistributedDpParameters codec = DistributedDpJob.parameters(CLIP, sigmaDdp, d, NODES, 2, Q * total);
    System.out.printf(Locale.ROOT, "credit: %d nodes, %s training rows, d=%d, q=%s, C=%s, %d steps, epsilon %s at"
        + " delta %s: sigma (RDP, central and local) %.4f, sigma (distributed accountant) %.4f%n%s", NODES,
        java.util.Arrays.toString(rows), d, Q, CLIP, steps, epsilon, DELTA, sigmaRdp, sigmaDdp, codec.describe());
    for (int run = 1; run <= runs; run++) {
      long t0 = System.nanoTime();
      double c = auc(nodes, spec, DpArms.central(central, spec, init, new DpPlan(Q, sigmaRdp, CLIP, steps, 1,
          DpSgdParams.Optimizer.ADAM)));
      long t1 = System.nanoTime();
      double l = auc(nodes, spec, DpArms.local(nodes, rows, spec, init, Q, sigmaRdp, CLIP, steps, 10));
      long t2 = System.nanoTime();
      double dd = auc(nodes, spec, DpArms.distributed(nodes, spec, init, codec, Q, steps, LR));
      long t3 = System.nanoTime();
      System.out.printf(Locale.ROOT, "run %d: ROC AUC central %.4f (%.0f s), local %.4f (%.0f s), distributed %.4f"
          + " (%.0f s)%n", run, c, (t1 - t0) / 1e9, l, (t2 - t1) / 1e9, dd, (t3 - t2) / 1e9);
    }
  }

  private static NodeConfig config(String id, Path data, Path heldOut, Path work) {
    return new NodeConfig(id, "127.0.0.1", 1, true,
        List.of(new NodeConfig.Dataset("credit", data, "csv", Optional.of(heldOut))), Duration.ofSeconds(5),
        Duration.ofSeconds(1), work.resolve(id + ".key"));
  }

  private static double auc(List<TabularTrainer> nodes, JobSpec spec, TensorBundle model) throws Exception {
    long[] pos = new long[PooledEvaluation.DEFAULT_BINS];
    long[] neg = new long[PooledEvaluation.DEFAULT_BINS];
    for (TabularTrainer t : nodes) {
      EvaluationResult r = t.evaluate(spec, model);
      for (int i = 0; i < pos.length; i++) {
        pos[i] += r.getPositiveScoreHistogram(i);
        neg[i] += r.getNegativeScoreHistogram(i);
      }
    }
    return PooledEvaluation.rocAuc(pos, neg);
  }
}
