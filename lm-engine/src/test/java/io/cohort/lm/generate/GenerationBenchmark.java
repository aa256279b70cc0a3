package io.cohort.lm.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.model.Parallel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Greedy decode speed with the KV cache, on the prompt tools/reference/greedy_parity.py uses (24
 * ids of the folder's golden.json; GPT-2: from its first end-of-text id), so PyTorch's figure from
 * {@code greedy_parity.py --bench} is for the same work. Prints one JSON line.
 *
 * <p>{@code GenerationBenchmark MODEL_DIR THREADS [NEW_TOKENS=32] [REPS=5]}
 */
public final class GenerationBenchmark {
  private GenerationBenchmark() {
  }

  /** Milliseconds per decode step spent in the decoder layers and in the output head. */
  private static void breakdown(LanguageModel m, int[] prompt, int steps) {
    LanguageModel.DecodeCache cache = m.newDecodeCache();
    float[] h = m.forwardCached(prompt, cache);
    float[] logits = new float[m.vocabSize()];
    long layers = 0;
    long head = 0;
    for (int s = 0; s < steps; s++) {
      long t0 = System.nanoTime();
      h = m.forwardCached(new int[] {prompt[s % prompt.length]}, cache);
      long t1 = System.nanoTime();
      m.logits(h, 0, 1, logits);
      long t2 = System.nanoTime();
      layers += t1 - t0;
      head += t2 - t1;
    }
    System.err.printf(Locale.ROOT, "per step: decoder %.2f ms, head %.2f ms%n", layers / 1e6 / steps, head / 1e6 / steps);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    int newTokens = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Parallel.setThreads(threads);
    LanguageModel m = LlamaConfig.isLlamaFamily(dir) ? LlamaModel.fromCheckpoint(LlamaCheckpoint.load(dir))
        : Gpt2Model.fromCheckpoint(Checkpoint.load(dir));
    int[] golden = new ObjectMapper().treeToValue(new ObjectMapper().readTree(dir.resolve("golden.json").toFile())
        .get("input_ids"), int[].class);
    int from = 0;
    if (m instanceof Gpt2Model) {
      while (golden[from] != 50256) {
        from++;
      }
    }
    int[] prompt = Arrays.copyOfRange(golden, from, from + 24);
    Generator g = new Generator(m);
    for (int w = 0; w < 3; w++) {
      g.generate(prompt, newTokens, Sampler.greedy(), true, null);
    }
    double[] rates = new double[reps];
    for (int r = 0; r < reps; r++) {
      rates[r] = g.generate(prompt, newTokens, Sampler.greedy(), true, null).decodeTokensPerSecond();
    }
    if (System.getenv("GEN_BREAKDOWN") != null) {
      breakdown(m, prompt, newTokens);
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    StringBuilder all = new StringBuilder();
    for (double r : rates) {
      all.append(all.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", r));
    }
    System.out.printf(Locale.ROOT, "{\"impl\": \"cohort\", \"model\": \"%s\", \"threads\": %d, \"prompt_tokens\": %d,"
        + " \"new_tokens\": %d, \"decode_tokens_per_second_median\": %.1f, \"decode_tokens_per_second_all\": [%s]}%n",
        dir.getFileName(), threads, prompt.length, newTokens, sorted[reps / 2], all);
  }
}
