package io.cohort.lm.model;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Times the step's element-wise passes on one thread at a GPT-2 shape (rows x width, MLP 4 x width,
 * causal attention rows of length seq): the kernels the engine is running with (run it once plain
 * and once with {@code -Dcohort.kernels=scalar} for the previous loops), the alternatives the choice
 * was made against (gelu's backward pass on oneDNN, attention's softmax in Java without oneDNN), and
 * what merely copying the same values off-heap and back costs.
 * Prints one JSON line per kernel: nanoseconds per value, best of {@code reps}.
 *
 * <p>{@code java -cp ... io.cohort.lm.model.ElementwiseBenchmark 2048 768 128 20}
 */
public final class ElementwiseBenchmark {
  private ElementwiseBenchmark() {
  }

  public static void main(String[] args) {
    int rows = Integer.parseInt(args[0]);
    int width = Integer.parseInt(args[1]);
    int seq = Integer.parseInt(args[2]);
    int reps = Integer.parseInt(args[3]);
    Parallel.setThreads(1);
    SplittableRandom rnd = new SplittableRandom(18L);
    float[] x = gaussian(rnd, rows * width, 2);
    float[] dy = gaussian(rnd, rows * width, 1);
    float[] gamma = gaussian(rnd, width, 1);
    float[] beta = gaussian(rnd, width, 1);
    float[] out = new float[rows * width];
    float[] dx = new float[rows * width];
    float[] mean = new float[rows];
    float[] rstd = new float[rows];
    int mlp = rows * 4 * width;
    float[] f = gaussian(rnd, mlp, 2);
    float[] g = new float[mlp];
    float[] dg = gaussian(rnd, mlp, 1);
    int heads = Math.max(1, rows * width / (seq * seq));
    float[] scores = gaussian(rnd, heads * seq * seq, 3);
    float[] probs = new float[scores.length];
    float[] dS = gaussian(rnd, scores.length, 1);
    float[] dSWork = new float[scores.length];
    String mode = Kernels.VECTORIZED ? "vectorized" : "scalar";
    report(mode, "layer_norm", rows * (long) width, reps,
        () -> Ops.layerNorm(x, rows, width, gamma, beta, 1e-5f, out, mean, rstd));
    report(mode, "layer_norm_backward", rows * (long) width, reps,
        () -> Ops.layerNormBackward(dy, x, rows, width, gamma, mean, rstd, dx));
    report(mode, "gelu", mlp, reps, () -> Ops.gelu(f, g, mlp));
    report(mode, "gelu_backward", mlp, reps, () -> {
      System.arraycopy(dg, 0, g, 0, mlp);
      Ops.geluBackwardInPlace(f, g, mlp);
    });
    // Training's pair since session 13: the forward pass keeps gelu' (over a copy of f here, as the
    // backward entries above and below copy dg), the backward pass multiplies by it.
    float[] fd = new float[mlp];
    report(mode, "gelu_with_derivative", mlp, reps, () -> {
      System.arraycopy(f, 0, fd, 0, mlp);
      Ops.geluWithDerivative(fd, g, mlp);
    });
    report(mode, "gelu_backward_from_derivative", mlp, reps, () -> {
      System.arraycopy(dg, 0, g, 0, mlp);
      Ops.mulInPlace(g, fd, mlp);
    });
    float[] up = gaussian(rnd, mlp, 1);
    float[] du = new float[mlp];
    report(mode, "swiglu", mlp, reps, () -> LlamaModel.swiGlu(f, up, g));
    report(mode, "swiglu_backward", mlp, reps, () -> LlamaModel.swiGluBackward(f, up, dg, g, du));
    long causal = heads * (long) seq * (seq + 1) / 2;
    report(mode, "attention_softmax", causal, reps, () -> {
      System.arraycopy(scores, 0, probs, 0, scores.length);
      for (int h = 0; h < heads; h++) {
        Attention.softmaxCausal(probs, h * seq * seq, seq);
      }
    });
    report(mode, "attention_softmax_backward", causal, reps, () -> {
      System.arraycopy(dS, 0, dSWork, 0, dS.length);
      for (int h = 0; h < heads; h++) {
        for (int r = 0; r < seq; r++) {
          Attention.softmaxCausalRowBackward(probs, dSWork, (h * seq + r) * seq, r, seq);
        }
      }
    });
    if (Kernels.VECTORIZED) { // the oneDNN alternatives, copies included (once is enough)
      float[] work = new float[mlp];
      Runnable gelu = DnnlEltwiseProbe.geluBackward(f, work, mlp);
      report("onednn", "gelu_backward", mlp, reps, () -> {
        System.arraycopy(dg, 0, work, 0, mlp);
        gelu.run();
      });
      float[] check = dg.clone();
      Ops.geluBackwardInPlace(f, check, mlp);
      System.arraycopy(dg, 0, work, 0, mlp);
      gelu.run();
      double worst = 0;
      for (int i = 0; i < mlp; i++) {
        worst = Math.max(worst, Math.abs(work[i] - check[i]) / (1 + Math.abs(check[i])));
      }
      System.out.printf("{\"onednn_gelu_backward_max_rel_diff_vs_java\": %.3g}%n", worst);
      report("java", "attention_softmax", causal, reps, () -> { // the Java kernel without oneDNN
        System.arraycopy(scores, 0, probs, 0, scores.length);
        for (int h = 0; h < heads; h++) {
          Kernels.javaSoftmaxCausalBlock(probs, h * seq * seq, seq);
        }
      });
    }
    try (FloatPointer off = new FloatPointer(mlp)) {
      report("offheap", "copy_in_and_out", mlp, reps, () -> {
        off.position(0).put(f, 0, mlp);
        off.position(0).get(g, 0, mlp);
      });
    }
  }

  private static float[] gaussian(SplittableRandom rnd, int n, double sd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rnd.nextGaussian() * sd);
    }
    return a;
  }

  private static void report(String mode, String kernel, long values, int reps, Runnable body) {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      body.run();
      best = Math.min(best, System.nanoTime() - t0);
    }
    System.out.printf("{\"kernels\": \"%s\", \"kernel\": \"%s\", \"values\": %d, \"ns_per_value\": %.3f, \"ms\": %.2f}%n",
        mode, kernel, values, (double) best / values, best / 1e6);
  }
}
