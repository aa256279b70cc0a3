package io.cohort.client.job.text;

import io.cohort.lm.chat.ChatEncoder;
import io.cohort.lm.chat.ChatJsonl;
import io.cohort.lm.chat.Conversation;
import io.cohort.lm.data.DataFormatException;
import io.cohort.lm.data.Shuffle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A chat SFT job's local conversations, encoded once with the model's chat template: the training
 * and held-out sequences as {@link TextData} whose labels are conversation indices (training
 * {@code 0..n-1}, held-out {@code n..n+m-1}), the assistant-only loss masks in that index order
 * (what {@link io.cohort.lm.chat.AssistantOnlyLm} looks up by label), and the held-out conversations
 * themselves, which exact-match evaluation needs to ask and compare. Unlike the other text jobs this
 * keeps text in memory; it never leaves the node (evaluation sends counts only).
 *
 * @param masks the loss mask of every conversation, training first, then held-out
 * @param validation the held-out conversations, in the order of {@code data.validation()}
 */
public record ChatRecords(TextData data, List<boolean[]> masks, List<Conversation> validation) {

  /**
   * Reads and encodes chat JSONL ({@code messages} or {@code prompt}/{@code completion} records).
   * The held-out part is {@code validationFile}, or a seeded share of {@code file}.
   *
   * @throws DataFormatException naming the file and line of the first record that cannot be used
   *     (bad JSON or roles, no assistant token within the maximum length, a special token in a message)
   */
  public static ChatRecords read(Path file, Optional<Path> validationFile, double validationFraction, long splitSeed,
      ChatEncoder encoder) throws DataFormatException {
    List<Conversation> train = ChatJsonl.read(file);
    List<Conversation> held;
    if (validationFile.isPresent()) {
      held = ChatJsonl.read(validationFile.get());
    } else {
      int[] order = Shuffle.permutation(train.size(), new SplittableRandom(splitSeed));
      int k = (int) Math.round(validationFraction * train.size());
      held = new ArrayList<>();
      List<Conversation> rest = new ArrayList<>();
      for (int i = 0; i < order.length; i++) {
        (i < k ? held : rest).add(train.get(order[i]));
      }
      train = rest;
    }
    if (train.isEmpty()) {
      throw new DataFormatException(file, 0, "no training conversations left after holding out the validation split");
    }
    List<boolean[]> masks = new ArrayList<>();
    List<int[]> trainIds = encode(train, encoder, masks);
    List<int[]> heldIds = encode(held, encoder, masks);
    return new ChatRecords(new TextData(trainIds, range(0, train.size()), heldIds, range(train.size(), held.size())),
        List.copyOf(masks), List.copyOf(held));
  }

  private static List<int[]> encode(List<Conversation> conversations, ChatEncoder encoder, List<boolean[]> masks)
      throws DataFormatException {
    List<int[]> ids = new ArrayList<>();
    for (Conversation c : conversations) {
      ChatEncoder.Encoded e;
      try {
        e = encoder.encode(c);
      } catch (IllegalArgumentException ex) {
        // The encoder's messages start with "file:line: " and never quote a message's text.
        String m = String.valueOf(ex.getMessage());
        String problem = m.startsWith(c.where()) ? m.substring(c.where().length()) : m;
        throw new DataFormatException(Path.of(c.source()), c.line(), problem, problem);
      }
      ids.add(e.ids());
      masks.add(e.mask());
    }
    return ids;
  }

  private static int[] range(int from, int count) {
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = from + i;
    }
    return out;
  }
}
