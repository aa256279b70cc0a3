package io.cohort.lm.chat;

import io.cohort.lm.generate.Generator;
import io.cohort.lm.generate.Sampler;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Pass;
import io.cohort.lm.train.Batch;
import io.cohort.lm.train.TrainOptions;
import io.cohort.lm.train.TrainReport;
import io.cohort.lm.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Supervised fine-tuning on conversations, put together from the pieces: {@link ChatEncoder}
 * (ids and assistant mask), {@link AssistantOnlyLm} (the loss) and the engine's unchanged
 * {@link Trainer} (AdamW; DP-SGD with Poisson sampling and per-conversation clipping when
 * {@link TrainOptions#dp()} is set). Evaluation reports assistant-token NLL and, for short
 * answers, exact match of greedy generations.
 */
public final class ChatSft {
  /** Encoded conversations: {@code sequences.get(i)} with loss mask {@code masks.get(i)}. */
  public record Prepared(List<Conversation> conversations, List<int[]> sequences, List<boolean[]> masks) {
    /** The labels to train with: each conversation's own index (how {@link AssistantOnlyLm} finds its mask). */
    public int[] indices() {
      int[] out = new int[sequences.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = i;
      }
      return out;
    }
  }

  private ChatSft() {
  }

  /** Encodes every conversation; the first one refused (too long, ...) throws, naming its line. */
  public static Prepared prepare(List<Conversation> conversations, ChatEncoder encoder) {
    List<int[]> seqs = new ArrayList<>();
    List<boolean[]> masks = new ArrayList<>();
    for (Conversation c : conversations) {
      ChatEncoder.Encoded e = encoder.encode(c);
      seqs.add(e.ids());
      masks.add(e.mask());
    }
    return new Prepared(List.copyOf(conversations), seqs, masks);
  }

  /** Trains the model's attached adapters on {@code data}. */
  public static TrainReport train(LanguageModel model, Prepared data, TrainOptions options, int padId,
      Consumer<Trainer.Step> progress) {
    Trainer trainer = new Trainer(model, new AssistantOnlyLm(model, data.masks()), padId);
    return trainer.train(data.sequences(), data.indices(), options, progress);
  }

  /** Mean assistant-token NLL (nats) over {@code data}, and the number of assistant targets. */
  public static double[] assistantNll(LanguageModel model, Prepared data, int batchSize, int padId) {
    AssistantOnlyLm task = new AssistantOnlyLm(model, data.masks());
    int[] idx = data.indices();
    double sum = 0;
    double count = 0;
    for (int from = 0; from < idx.length; from += batchSize) {
      int n = Math.min(batchSize, idx.length - from);
      int[][] s = new int[n][];
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        s[i] = data.sequences().get(from + i);
        labels[i] = from + i;
      }
      Batch b = Batch.of(s, labels, padId);
      float[] hidden = model.forward(b.ids(), Pass.inference(b.batch(), b.seqLen()), null);
      double[] r = task.nll(hidden, b);
      sum += r[0];
      count += r[1];
    }
    return new double[] {count == 0 ? Double.NaN : sum / count, count};
  }

  /**
   * Exact-match accuracy of greedy answers: each conversation's {@link Conversation#prompt()} is
   * rendered with the generation prompt, answered greedily (at most {@code maxNewTokens}, stopping on
   * EOS or end of turn), and compared, both sides stripped, with its last assistant turn.
   */
  public static double exactMatch(LanguageModel model, ChatEncoder encoder, List<Conversation> conversations,
      java.util.function.Function<int[], String> decode, int eosId, int maxNewTokens) {
    int hits = exactMatches(model, encoder, conversations, decode, eosId, c -> maxNewTokens);
    return conversations.isEmpty() ? Double.NaN : (double) hits / conversations.size();
  }

  /**
   * The number of conversations whose greedy answer equals the last assistant turn (as in
   * {@link #exactMatch}), each answered with at most {@code maxNewTokens.applyAsInt(conversation)} tokens.
   */
  public static int exactMatches(LanguageModel model, ChatEncoder encoder, List<Conversation> conversations,
      java.util.function.Function<int[], String> decode, int eosId,
      java.util.function.ToIntFunction<Conversation> maxNewTokens) {
    int eot = encoder.endOfTurnId();
    Generator g = eot >= 0 && eot != eosId ? new Generator(model, eosId, eot) : new Generator(model, eosId);
    int hits = 0;
    for (Conversation c : conversations) {
      int[] prompt = encoder.encodePrompt(c.prompt());
      String answer = decode.apply(g.generate(prompt, maxNewTokens.applyAsInt(c), Sampler.greedy(), true, null)
          .tokens());
      if (answer.strip().equals(c.lastAnswer().strip())) {
        hits++;
      }
    }
    return hits;
  }
}
