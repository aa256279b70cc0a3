package io.cohort.lm.chat;

/** A chat template that cannot be rendered: a syntax error, a Jinja feature the engine lacks, or {@code raise_exception}. */
public final class ChatTemplateException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ChatTemplateException(String message) {
    super(message);
  }
}
