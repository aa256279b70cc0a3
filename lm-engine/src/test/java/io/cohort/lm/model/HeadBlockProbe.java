package io.cohort.lm.model;

import java.util.SplittableRandom;

/**
 * Times the fused next-token loss ({@link OutputHeadLoss#sum}, logits, softmax, loss and input
 * gradient) over {@code rows} rows of a random [vocab, width] head, formed 64, 128, 256 or 512 rows
 * at a time, FP32 then BF16, best of 3, twice over: how much the head's weight traffic per block costs.
 *
 * <p>{@code java -cp ... io.cohort.lm.model.HeadBlockProbe 151936 896 1024} (the Qwen2.5-0.5B head)
 */
public final class HeadBlockProbe {
  private HeadBlockProbe() {
  }

  public static void main(String[] args) {
    int vocab = Integer.parseInt(args[0]);
    int width = Integer.parseInt(args[1]);
    int rowsTotal = Integer.parseInt(args[2]);
    SplittableRandom r = new SplittableRandom(5);
    float[] w = new float[vocab * width];
    for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02);
    NativeMatrix head = new NativeMatrix(w, vocab, width);
    w = null;
    float[] hidden = new float[rowsTotal * width];
    for (int i = 0; i < hidden.length; i++) hidden[i] = (float) r.nextGaussian();
    int[] ids = new int[rowsTotal + 1];
    for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(vocab);
    float[] dHidden = new float[hidden.length];
    Parallel.setThreads(2);
    for (String p : new String[] {"fp32", "bf16"}) {
      Blas.setPrecision(p.equals("bf16") ? Precision.BF16 : Precision.FP32);
      for (int round = 0; round < 2; round++) {
        for (int block : new int[] {64, 128, 256, 512}) {
          long best = Long.MAX_VALUE;
          for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            for (int from = 0; from < rowsTotal; from += block) {
              int n = Math.min(block, rowsTotal - from);
              OutputHeadLoss.sum(head, hidden, from, n, ids, from + 1, 1f / rowsTotal, dHidden);
            }
            best = Math.min(best, System.nanoTime() - t0);
          }
          System.out.printf("%s round %d block %d: %.3f s for %d rows%n", p, round, block, best / 1e9, rowsTotal);
        }
      }
    }
  }
}
