package io.cohort.lm.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits, in transformers' order: temperature, then top-k,
 * then top-p (nucleus). Temperature 0 means greedy (argmax, lowest id on ties). Sampling draws one
 * uniform number per token from a {@link SplittableRandom} seeded by the caller, so a seed
 * reproduces a generation exactly.
 */
public final class Sampler {
  private final float temperature;
  private final int topK;
  private final float topP;
  private final SplittableRandom rnd;

  /**
   * @param temperature 0 for greedy, else &gt; 0
   * @param topK keep the k most likely tokens; 0 keeps all
   * @param topP keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
   */
  public Sampler(float temperature, int topK, float topP, long seed) {
    if (!(temperature >= 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0 (0: greedy), got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be >= 0 (0: off), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top-p must be in (0, 1] (1: off), got " + topP);
    }
    this.temperature = temperature;
    this.topK = topK;
    this.topP = topP;
    this.rnd = new SplittableRandom(seed);
  }

  public static Sampler greedy() {
    return new Sampler(0f, 0, 1f, 0);
  }

  public boolean isGreedy() {
    return temperature == 0f;
  }

  /** The next token from {@code logits[offset, offset + vocab)}. */
  public int next(float[] logits, int offset, int vocab) {
    if (temperature == 0f) {
      int best = 0;
      for (int c = 1; c < vocab; c++) {
        if (logits[offset + c] > logits[offset + best]) {
          best = c;
        }
      }
      return best;
    }
    Integer[] order = new Integer[vocab];
    for (int c = 0; c < vocab; c++) {
      order[c] = c;
    }
    // most likely first; ties by id, so the order (and with it a seeded draw) is deterministic
    Arrays.sort(order, (a, b) -> {
      int cmp = Float.compare(logits[offset + b], logits[offset + a]);
      return cmp != 0 ? cmp : Integer.compare(a, b);
    });
    int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
    double max = logits[offset + order[0]] / temperature;
    double[] p = new double[keep];
    double z = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[offset + order[i]] / temperature - max);
      z += p[i];
    }
    if (topP < 1f) {
      double cum = 0;
      int cut = keep;
      for (int i = 0; i < keep; i++) {
        cum += p[i] / z;
        if (cum >= topP) {
          cut = i + 1;
          break;
        }
      }
      keep = cut;
      z = 0;
      for (int i = 0; i < keep; i++) {
        z += p[i];
      }
    }
    double u = rnd.nextDouble() * z;
    double acc = 0;
    for (int i = 0; i < keep; i++) {
      acc += p[i];
      if (u < acc) {
        return order[i];
      }
    }
    return order[keep - 1];
  }
}
