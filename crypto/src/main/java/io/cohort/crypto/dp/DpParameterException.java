package io.cohort.crypto.dp;

/**
 * A differential-privacy parameter is outside its valid range. The message names the parameter,
 * the value given and the range allowed, in one line fit for an end user, e.g. {@code "q (the
 * sampling probability) must be in (0, 1], got 1.5"}.
 */
public final class DpParameterException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String parameter;

  public DpParameterException(String parameter, String message) {
    super(message);
    this.parameter = parameter;
  }

  /** The short name of the offending parameter ({@code "q"}, {@code "sigma"}, {@code "delta"}, ...). */
  public String parameter() {
    return parameter;
  }
}
