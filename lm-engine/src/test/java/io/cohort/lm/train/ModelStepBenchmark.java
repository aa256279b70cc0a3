package io.cohort.lm.train;

import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.model.Blas;
import io.cohort.lm.model.Precision;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Gpt2Shape;
import io.cohort.lm.model.Parallel;
import io.cohort.lm.model.Parameter;
import io.cohort.format.peft.TargetModules;
import io.cohort.crypto.dp.GaussianNoise;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Plain-Java benchmark (not a test) of one LoRA fine-tuning step, the same step as
 * {@code bench/model/torch_step.py}: random GPT-2 of the given shape, LoRA r=8 alpha=16 on c_attn,
 * linear head over mean-pooled final hidden states, cross-entropy, AdamW; a batch of full-length
 * sequences. Modes: {@code plain} (summed gradients) and {@code dp} (per-example gradients,
 * clipping to C=1, secure Gaussian noise sigma=0.563, same batch). Prints one JSON line per mode
 * with the median step time, tokens/s, the step's GFLOP (counted by {@link Blas} from the products
 * it ran) and GFLOP/s as a fraction of the GEMM peak probed in the same process and precision
 * ({@link GemmPeak}: the step's three largest frozen-weight product shapes and 2048^3), and the
 * process's peak RSS so far (VmHWM). Precisions ({@code fp32}, {@code bf16}: frozen-weight
 * products in BF16 on oneDNN) run one after the other in the same process on the same model and
 * batch, so their ratio is side by side. Run through {@code bench/model/step-throughput.sh}.
 *
 * <p>Mode {@code causal}: the causal-LM step instead (next-token loss through the tied output layer
 * over the whole vocabulary, same adapters and batch).
 *
 * <p>Usage: {@code ModelStepBenchmark tiny|small BATCH SEQ THREADS WARMUP REPS plain,dp,causal [fp32,bf16]}
 */
public final class ModelStepBenchmark {
  private ModelStepBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    String shapeName = args[0];
    int batch = Integer.parseInt(args[1]);
    int seq = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    int warmup = Integer.parseInt(args[4]);
    int reps = Integer.parseInt(args[5]);
    List<String> modes = Arrays.asList(args[6].split(","));
    List<String> precisions = Arrays.asList((args.length > 7 ? args[7] : "fp32").split(","));
    Parallel.setThreads(threads);
    Gpt2Shape shape = shapeName.equals("small") ? Gpt2Shape.gpt2Small()
        : new Gpt2Shape(50257, 256, 64, 4, 4, 1e-5f);
    Gpt2Model model = Gpt2Model.random(shape, 1, false);
    LoraModel.attach(model, new LoraConfig(8, 16f, 0f, List.of("c_attn"), false, 2),
        TargetModules.names("c_attn")::matches);
    SequenceClassification head = new SequenceClassification(shape.width(), 2, Pooling.MEAN, new SplittableRandom(3));
    Trainer trainer = new Trainer(model, head, 0);
    SplittableRandom rnd = new SplittableRandom(4);
    int[][] seqs = new int[batch][seq];
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < seq; j++) {
        seqs[i][j] = rnd.nextInt(shape.vocabSize());
      }
      labels[i] = rnd.nextInt(2);
    }
    Batch b = Batch.of(seqs, labels, 0);
    List<Parameter> params = trainer.parameters();
    // Mode causal: next-token loss through the tied output layer over the whole vocabulary instead of
    // the classification head (same adapters, same batch without labels).
    Trainer causal = new Trainer(model, new CausalLm(model), 0);
    Batch lmBatch = Batch.of(seqs, null, 0);
    List<Parameter> lmParams = causal.parameters();
    AdamW opt = new AdamW(0.01);
    DpSgd dp = new DpSgd(0.563, 1.0, GaussianNoise.create());
    for (String precisionName : precisions) {
      Precision precision = Precision.parse(precisionName);
      Blas.setPrecision(precision);
      GemmPeak peak = null;
      for (String mode : modes) {
        boolean isDp = mode.equals("dp");
        boolean isLm = mode.equals("causal");
        double[] t = new double[reps];
        double[] spent = new double[3];
        long flops = 0;
        for (int i = 0; i < warmup + reps; i++) {
          boolean shapeProfile = Boolean.getBoolean("cohort.bench.shapes") && i == warmup + reps - 1;
          Blas.recordShapes((peak == null && i == 0) || shapeProfile);
          double[] s0 = Blas.secondsSpent();
          long f0 = Blas.flopsCounted();
          long t0 = System.nanoTime();
          if (isLm) {
            causal.forwardBackward(lmBatch, lmParams, false, null);
            opt.step(lmParams, 2e-3);
          } else {
            trainer.forwardBackward(b, params, isDp, null);
            if (isDp) {
              dp.privatize(params, batch, batch);
            }
            opt.step(params, 2e-3);
          }
          if (i >= warmup) {
            t[i - warmup] = (System.nanoTime() - t0) / 1e9;
            double[] s1 = Blas.secondsSpent();
            for (int j = 0; j < 3; j++) {
              spent[j] += (s1[j] - s0[j]) / reps;
            }
          }
          flops = Blas.flopsCounted() - f0;
          if (shapeProfile) {
            printShapeProfile(Blas.recordedShapes(), Blas.recordedShapeSeconds());
            Blas.recordShapes(false);
          }
          if (peak == null && i == 0) {
            java.util.Map<String, Long> shapes = Blas.recordedShapes();
            Blas.recordShapes(false);
            peak = GemmPeak.probe(shapes, 3);
            System.out.println(String.format(Locale.ROOT, "{\"impl\": \"cohort\", \"shape\": \"%s\", \"mode\": \"gemm-peak\","
                + " \"precision\": \"%s\", \"threads\": %d, \"openblas_coretype\": \"%s\", \"gflops_by_shape_mxkxn\": %s,"
                + " \"peak_gflops\": %.1f}", shapeName, precision.name().toLowerCase(Locale.ROOT), threads,
                GemmPeak.openBlasCoreType(), peak.json(), peak.gflops()));
          }
        }
        Arrays.sort(t);
        double med = t[reps / 2];
        System.out.println(String.format(Locale.ROOT,
            "{\"impl\": \"cohort\", \"shape\": \"%s\", \"mode\": \"%s\", \"precision\": \"%s\", \"batch\": %d,"
                + " \"seq\": %d, \"threads\": %d, \"step_s\": %.4f, \"step_s_min\": %.4f, \"step_s_max\": %.4f,"
                + " \"tokens_per_s\": %.1f, \"gflop_per_step\": %.1f, \"gflops\": %.1f, \"fraction_of_gemm_peak\": %.3f,"
                + " \"products_s\": %.3f, \"copies_s\": %.3f, \"thin_products_s\": %.3f, \"peak_rss_mb\": %d}",
            shapeName, mode, precision.name().toLowerCase(Locale.ROOT), batch, seq, threads, med, t[0], t[reps - 1],
            batch * seq / med, flops / 1e9, flops / 1e9 / med, flops / 1e9 / med / peak.gflops(), spent[0], spent[1],
            spent[2], peakRssMb()));
      }
    }
  }

  /** With -Dcohort.bench.shapes=true: the last step's products by shape, most time first. */
  static void printShapeProfile(java.util.Map<String, Long> flops, java.util.Map<String, Double> seconds) {
    // Products timed inside a larger call (attention on arrays: its total is its own line) show no rate.
    seconds.entrySet().stream().sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed()).limit(25)
        .forEach(e -> System.out.println(e.getValue() == 0
            ? String.format(Locale.ROOT, "  shape %-40s %7.3f GFLOP, timed with its call", e.getKey(),
                flops.getOrDefault(e.getKey(), 0L) / 1e9)
            : String.format(Locale.ROOT, "  shape %-40s %7.3f s %7.1f GFLOP/s", e.getKey(), e.getValue(),
                flops.getOrDefault(e.getKey(), 0L) / 1e9 / e.getValue())));
  }

  private static long peakRssMb() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
