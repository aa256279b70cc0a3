package io.cohort.lm.train;

import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.format.peft.TargetModules;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.model.Blas;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.model.NativeMatrix;
import io.cohort.lm.model.Parallel;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Plain-Java benchmark (not a test) of one LoRA causal-LM step on a random-weight Llama-family
 * model of a real checkpoint's shape, the same step as {@code bench/model/torch_llama_step.py}:
 * LoRA r=16 alpha=32 on all seven linear layers of every block, next-token loss through the
 * (tied or untied) output embedding over the whole vocabulary, AdamW; a batch of full-length
 * sequences. Modes: {@code plain} (summed gradients) and {@code dp} (per-example gradients,
 * clipping to C=1, secure Gaussian noise sigma=0.563, same batch), and either with {@code -recompute}
 * (activation recomputation on). One JSON line a mode: median
 * step time, tokens/s, the step's GFLOP (counted by {@link Blas} from the products it ran) and
 * GFLOP/s as a fraction of the fp32 GEMM peak probed first in the same process, and the process's
 * peak RSS so far (VmHWM). Run it through
 * {@code bench/model/llama-step.sh}.
 *
 * <p>Shapes: {@code qwen2.5-0.5b} (24 layers, 896 wide, 14 heads over 2 KV heads, 4864, 151,936
 * tokens, tied, q/k/v bias), {@code llama3.2-1b} (16 layers, 2048, 32/8 heads, 8192, 128,256,
 * tied, llama3 RoPE scaling), {@code tiny} (2 layers, 64 wide) to check the harness.
 *
 * <p>Precisions ({@code fp32}, {@code bf16}: frozen-weight products in BF16 on oneDNN) run one after
 * the other on the same model and batch, each with its own peak probe.
 *
 * <p>Usage: {@code LlamaStepBenchmark SHAPE BATCH SEQ THREADS WARMUP REPS plain,dp [fp32,bf16]}
 */
public final class LlamaStepBenchmark {
  private LlamaStepBenchmark() {
  }

  static LlamaConfig shape(String name) {
    return switch (name) {
      case "qwen2.5-0.5b" -> new LlamaConfig("qwen2", List.of("Qwen2ForCausalLM"), 151936, 896, 4864, 24, 14, 2, 64,
          1e-6, 1000000.0, null, true, false, false, true, 32768, 0, 151643, 151643);
      case "llama3.2-1b" -> new LlamaConfig("llama", List.of("LlamaForCausalLM"), 128256, 2048, 8192, 16, 32, 8, 64,
          1e-5, 500000.0, new LlamaConfig.RopeScaling("llama3", 32.0, 1.0, 4.0, 8192), false, false, false, true,
          131072, 0, 128000, 128001);
      case "tiny" -> new LlamaConfig("llama", List.of("LlamaForCausalLM"), 1000, 64, 172, 2, 4, 2, 16, 1e-5, 10000.0,
          null, false, false, false, true, 512, 0, 1, 2);
      default -> throw new IllegalArgumentException("shape must be qwen2.5-0.5b, llama3.2-1b or tiny, got " + name);
    };
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
    LlamaConfig c = shape(shapeName);
    LlamaModel model = randomModel(c, 1);
    LoraModel.attach(model, new LoraConfig(16, 32f, 0f, List.of(TargetModules.ALL_LINEAR), false, 2),
        TargetModules.of(List.of(TargetModules.ALL_LINEAR))::matches);
    Trainer trainer = new Trainer(model, new CausalLm(model), 0);
    SplittableRandom rnd = new SplittableRandom(4);
    int[][] seqs = new int[batch][seq];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < seq; j++) {
        seqs[i][j] = rnd.nextInt(c.vocabSize());
      }
    }
    Batch b = Batch.of(seqs, null, 0);
    List<Parameter> params = trainer.parameters();
    long trainable = params.stream().mapToLong(p -> p.value().length).sum();
    AdamW opt = new AdamW(0.01);
    DpSgd dp = new DpSgd(0.563, 1.0, GaussianNoise.create());
    for (String precisionName : precisions) {
      Precision precision = Precision.parse(precisionName);
      Blas.setPrecision(precision);
      String pname = precision.name().toLowerCase(Locale.ROOT);
      // The fp32 GEMM peak of the engine's own BLAS path, same threads, at the step's largest products
      // (a linear layer's forward over all rows, the down projection, one 64-row block of the output
      // layer) and at 2048^3: the step's GFLOP/s is reported as a fraction of the best of these.
      int rows = batch * seq;
      double peak = 0;
      StringBuilder probes = new StringBuilder();
      for (int[] mnk : new int[][] {{rows, c.intermediateSize(), c.hiddenSize()}, {rows, c.hiddenSize(),
          c.intermediateSize()}, {64, c.vocabSize(), c.hiddenSize()}, {2048, 2048, 2048}}) {
        double g = GemmPeak.gflops(mnk[0], mnk[1], mnk[2], false);
        peak = Math.max(peak, g);
        probes.append(String.format(Locale.ROOT, "%s\"%dx%dx%d\": %.1f", probes.length() == 0 ? "" : ", ", mnk[0], mnk[2],
            mnk[1], g));
      }
      System.out.println(String.format(Locale.ROOT, "{\"impl\": \"cohort\", \"shape\": \"%s\", \"mode\": \"gemm-peak\", \"precision\": \"" + pname + "\","
          + " \"threads\": %d, \"openblas_coretype\": \"%s\", \"gflops_by_shape_mxkxn\": {%s}, \"peak_gflops\": %.1f}", shapeName,
          threads, GemmPeak.openBlasCoreType(), probes, peak));
      for (String mode : modes) {
        boolean isDp = mode.startsWith("dp");
        model.setActivationRecomputation(mode.endsWith("recompute"));
        double[] t = new double[reps];
        double[] spent = new double[3];
        double loss = Double.NaN;
        long flops = 0;
        for (int i = 0; i < warmup + reps; i++) {
          boolean shapeProfile = Boolean.getBoolean("cohort.bench.shapes") && i == warmup + reps - 1;
          Blas.recordShapes(shapeProfile);
          double[] s0 = Blas.secondsSpent();
          long f0 = Blas.flopsCounted();
          long t0 = System.nanoTime();
          loss = trainer.forwardBackward(b, params, isDp, null);
          if (isDp) {
            dp.privatize(params, batch, batch);
          }
          opt.step(params, 1e-4);
          if (i >= warmup) {
            t[i - warmup] = (System.nanoTime() - t0) / 1e9;
            double[] s1 = Blas.secondsSpent();
            for (int j = 0; j < 3; j++) {
              spent[j] += (s1[j] - s0[j]) / reps;
            }
          }
          flops = Blas.flopsCounted() - f0;
          if (shapeProfile) {
            ModelStepBenchmark.printShapeProfile(Blas.recordedShapes(), Blas.recordedShapeSeconds());
            Blas.recordShapes(false);
          }
        }
        Arrays.sort(t);
        double med = t[reps / 2];
        System.out.println(String.format(Locale.ROOT,
            "{\"impl\": \"cohort\", \"shape\": \"%s\", \"mode\": \"%s\", \"precision\": \"" + pname + "\", \"batch\": %d, \"seq\": %d, \"threads\": %d,"
                + " \"estimate_mb\": %d, \"trainable\": %d, \"loss\": %.4f, \"step_s\": %.4f, \"step_s_min\": %.4f,"
                + " \"step_s_max\": %.4f, \"tokens_per_s\": %.1f, \"gflop_per_step\": %.1f, \"gflops\": %.1f,"
                + " \"fraction_of_gemm_peak\": %.3f, \"products_s\": %.3f, \"copies_s\": %.3f,"
                + " \"thin_products_s\": %.3f, \"peak_rss_mb\": %d}",
            shapeName, mode, batch, seq, threads, model.trainingActivationBytes(batch, seq, mode.endsWith("recompute")) >> 20,
            trainable, loss, med, t[0], t[reps - 1], batch * seq / med, flops / 1e9, flops / 1e9 / med,
            flops / 1e9 / med / peak, spent[0], spent[1], spent[2], peakRssMb()));
      }
    }
  }

  /** Random frozen weights of the shape (values do not change the speed), 0.02-scaled like an initialised model. */
  static LlamaModel randomModel(LlamaConfig c, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, float[]> t = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : LlamaCheckpoint.expectedShapes(c).entrySet()) {
      long n = 1;
      for (int d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[Math.toIntExact(n)];
      boolean norm = e.getKey().endsWith("norm.weight");
      for (int i = 0; i < v.length; i++) {
        v[i] = norm ? 1f : (float) ((rnd.nextDouble() - 0.5) * 0.04);
      }
      t.put(e.getKey(), v);
    }
    return LlamaModel.fromTensors(c, t);
  }

  private static long peakRssMb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
