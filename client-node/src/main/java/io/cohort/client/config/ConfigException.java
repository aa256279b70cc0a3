package io.cohort.client.config;

/** A node configuration that cannot be used; the message names the file, line or field. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
