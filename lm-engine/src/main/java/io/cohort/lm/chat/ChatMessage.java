package io.cohort.lm.chat;

import java.util.Set;

/** One turn of a conversation: {@code role} is {@code system}, {@code user} or {@code assistant}. */
public record ChatMessage(String role, String content) {
  public static final String SYSTEM = "system";
  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";
  /** The roles a chat data file may use. */
  public static final Set<String> ROLES = Set.of(SYSTEM, USER, ASSISTANT);

  public ChatMessage {
    if (role == null || content == null) {
      throw new IllegalArgumentException("a message needs a role and a content");
    }
  }

  public static ChatMessage system(String content) {
    return new ChatMessage(SYSTEM, content);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage(USER, content);
  }

  public static ChatMessage assistant(String content) {
    return new ChatMessage(ASSISTANT, content);
  }

  public boolean isAssistant() {
    return ASSISTANT.equals(role);
  }
}
