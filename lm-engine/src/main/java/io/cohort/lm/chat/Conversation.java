package io.cohort.lm.chat;

import java.util.List;

/**
 * The messages of one chat record and where it came from ({@code source}: the file, {@code line}:
 * its 1-based line, 0 when not read from a file), so later stages can name the line they refuse.
 */
public record Conversation(List<ChatMessage> messages, String source, int line) {
  public Conversation {
    messages = List.copyOf(messages);
  }

  public static Conversation of(ChatMessage... messages) {
    return new Conversation(List.of(messages), "", 0);
  }

  /** {@code file:line: } for messages about this record, or empty when it has no file position. */
  public String where() {
    return line > 0 ? source + ":" + line + ": " : "";
  }

  /** The messages before the last assistant turn: what a model is asked to answer. */
  public List<ChatMessage> prompt() {
    int last = messages.size() - 1;
    while (last >= 0 && !messages.get(last).isAssistant()) {
      last--;
    }
    return last < 0 ? messages : messages.subList(0, last);
  }

  /** The content of the last assistant turn, or null. */
  public String lastAnswer() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).isAssistant()) {
        return messages.get(i).content();
      }
    }
    return null;
  }
}
