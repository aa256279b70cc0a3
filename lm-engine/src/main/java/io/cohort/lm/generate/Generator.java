package io.cohort.lm.generate;

import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Pass;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation from a GPT-2 or Llama-family model (with whatever adapters are attached). With the KV
 * cache the prompt is run once and every further step runs only the newest token; without it every
 * step reruns the whole sequence (the reference the cache is tested against). Stops on any of the
 * stop ids (EOS, the chat template's end of turn; the stop token is not part of the output), after
 * {@code maxNewTokens}, or when the model's context is full.
 */
public final class Generator {
  /** Why generation ended. */
  public enum Stop { STOP_TOKEN, MAX_NEW_TOKENS, CONTEXT_FULL }

  /** The generated tokens (without the stop token), why it stopped, and timing. */
  public record Result(int[] tokens, Stop stop, int stopToken, int promptTokens, double prefillSeconds,
      double decodeSeconds) {
    /** Tokens generated per second after the prompt (decode steps only). */
    public double decodeTokensPerSecond() {
      int steps = tokens.length + (stop == Stop.STOP_TOKEN ? 1 : 0) - 1;
      return steps <= 0 || decodeSeconds <= 0 ? Double.NaN : steps / decodeSeconds;
    }
  }

  private final LanguageModel model;
  private final int[] stopIds;

  public Generator(LanguageModel model, int... stopIds) {
    this.model = model;
    this.stopIds = stopIds.clone();
  }

  /**
   * Generates after {@code prompt}; {@code onToken} (may be null) receives each token as it is chosen,
   * stop token excluded.
   */
  public Result generate(int[] prompt, int maxNewTokens, Sampler sampler, boolean useCache, IntConsumer onToken) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("empty prompt: generation needs at least one token");
    }
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
    }
    int ctx = model.maxPositions();
    if (prompt.length > ctx) {
      throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the model's context is " + ctx);
    }
    int v = model.vocabSize();
    float[] logits = new float[v];
    int[] seq = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
    int len = prompt.length;
    LanguageModel.DecodeCache cache = useCache ? model.newDecodeCache() : null;
    long t0 = System.nanoTime();
    long t1 = t0;
    int[] next = prompt;
    int generated = 0;
    Stop stop = Stop.MAX_NEW_TOKENS;
    int stopToken = -1;
    while (generated < maxNewTokens) {
      if (useCache) {
        float[] h = model.forwardCached(next, cache);
        model.logits(h, next.length - 1, 1, logits);
      } else {
        float[] h = model.forward(Arrays.copyOf(seq, len), Pass.inference(1, len), null);
        model.logits(h, len - 1, 1, logits);
      }
      if (generated == 0) {
        t1 = System.nanoTime();
      }
      int tok = sampler.next(logits, 0, v);
      if (isStop(tok)) {
        stop = Stop.STOP_TOKEN;
        stopToken = tok;
        break;
      }
      seq[len++] = tok;
      generated++;
      if (onToken != null) {
        onToken.accept(tok);
      }
      if (len >= ctx && generated < maxNewTokens) {
        stop = Stop.CONTEXT_FULL;
        break;
      }
      next = new int[] {tok};
    }
    long t2 = System.nanoTime();
    return new Result(Arrays.copyOfRange(seq, prompt.length, len), stop, stopToken, prompt.length, (t1 - t0) / 1e9,
        (t2 - t1) / 1e9);
  }

  private boolean isStop(int tok) {
    for (int s : stopIds) {
      if (s == tok) {
        return true;
      }
    }
    return false;
  }
}
