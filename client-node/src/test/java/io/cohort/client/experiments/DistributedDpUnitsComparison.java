package io.cohort.client.experiments;

import com.google.protobuf.util.JsonFormat;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.TabularTrainer;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Issue 19 #2 in distributed mode (docs/results.md): the credit data with a synthetic customer id
 * ({@code examples/credit/credit-g-customers.csv}) at record level and with the customer as the privacy unit,
 * distributed DP-SGD only, in process with the platform's classes ({@link DpArms#distributed}: each node's
 * {@code TabularTrainer.clippedUnitGradients}, the discrete Gaussian encoder, the words summed in Z_2^32, the
 * decoder, server Adam). Per run the split is by customer with seed = run: 20 % of the customers held out (one
 * held-out file, every one of their rows), the rest dealt whole to 3 nodes, so each customer's rows sit at one node
 * (what the per-person guarantee assumes). Both arms use that split, q = 1, C = 1, the job's MLP, and sigma
 * calibrated by the distributed accountant to epsilon for an expected batch of q times all nodes' units (rows, or
 * customers).
 *
 * <p>Run: {@code java -cp <client-node test classpath> io.cohort.client.experiments.DistributedDpUnitsComparison
 * <epsilon> <runs> [steps]} from the repository root.
 */
public final class DistributedDpUnitsComparison {
  private static final double Q = 1.0;
  private static final double CLIP = 1.0;
  private static final double DELTA = 1e-5;
  private static final double LR = 0.03;
  private static final int NODES = 3;

  private DistributedDpUnitsComparison() {}

  public static void main(String[] args) throws Exception {
    double epsilon = Double.parseDouble(args[0]);
    int runs = Integer.parseInt(args[1]);
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    List<String> lines = Files.readAllLines(Path.of("examples/credit/credit-g-customers.csv"));
    String header = lines.get(0);
    Map<String, List<String>> byCustomer = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      byCustomer.computeIfAbsent(line.substring(0, line.indexOf(',')), k -> new ArrayList<>()).add(line);
    }
    JobSpec.Builder jb = JobSpec.newBuilder();
    JsonFormat.parser().merge(Files.readString(Path.of("examples/credit/job-dp.spec.json")), jb);
    JobSpec base = jb.build();
    for (int run = 1; run <= runs; run++) {
      Path work = Files.createTempDirectory("ddp-units");
      List<String> customers = new ArrayList<>(byCustomer.keySet());
      Collections.shuffle(customers, new Random(run));
      int held = (int) Math.round(0.2 * customers.size());
      List<List<String>> shards = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        shards.add(new ArrayList<>(List.of(header)));
      }
      List<String> heldOut = new ArrayList<>(List.of(header));
      for (int c = 0; c < customers.size(); c++) {
        (c < held ? heldOut : shards.get(c % NODES)).addAll(byCustomer.get(customers.get(c)));
      }
      Path heldFile = Files.write(work.resolve("held.csv"), heldOut);
      StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "run %d (split seed %d, %d held-out rows of %d"
          + " customers):", run, run, heldOut.size() - 1, held));
      for (String unit : List.of("record", "customer_id")) {
        JobSpec spec = base.toBuilder().setJobId("ddp-units-" + unit + "-" + run)
            .setPrivacy(base.getPrivacy().toBuilder().setPublicValidation(true)
                .setUnit(unit.equals("record") ? "" : unit))
            .build();
        List<TabularTrainer> nodes = new ArrayList<>();
        long total = 0;
        long[] units = new long[NODES];
        for (int i = 0; i < NODES; i++) {
          Path shard = Files.write(work.resolve("n" + (i + 1) + ".csv"), shards.get(i));
          TabularTrainer t = new TabularTrainer(new NodeConfig("n" + (i + 1), "127.0.0.1", 1, true,
              List.of(new NodeConfig.Dataset("credit", shard, "csv", Optional.of(heldFile))), Duration.ofSeconds(5),
              Duration.ofSeconds(1), work.resolve("n" + i + ".key")));
          nodes.add(t);
          units[i] = t.trainingExamples(spec);
          total += units[i];
        }
        TensorBundle init = nodes.get(0).initialParameters(spec);
        int d = init.tensors().stream().mapToInt(t -> t.values().length).sum();
        double sigma = DistributedDpJob.calibrateSigma(epsilon, DELTA, Q, steps, CLIP, d, NODES, 2, Q * total);
        DistributedDpParameters codec = DistributedDpJob.parameters(CLIP, sigma, d, NODES, 2, Q * total);
        long t0 = System.nanoTime();
        TensorBundle model = DpArms.distributed(nodes, spec, init, codec, Q, steps, LR);
        EvaluationResult r = nodes.get(0).evaluate(spec, model);
        double auc = PooledEvaluation.rocAuc(longs(r.getPositiveScoreHistogramList()),
            longs(r.getNegativeScoreHistogramList()));
        out.append(String.format(Locale.ROOT, " | unit %s: units per node %s, expected batch %d, sigma %.4f, ROC AUC"
            + " %.4f (%.0f s)", unit, java.util.Arrays.toString(units), total, sigma, auc, (System.nanoTime() - t0) / 1e9));
      }
      System.out.println(out);
    }
  }

  private static long[] longs(List<Long> v) {
    return v.stream().mapToLong(Long::longValue).toArray();
  }
}
