package io.cohort.crypto;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Unguessable identifiers and secrets (session ids, task ids, bearer tokens) from the JDK's
 * {@link SecureRandom}. Never seeded: these are security randomness, not training randomness.
 */
public final class SecureTokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MIN_BYTES = 16;

  private SecureTokens() {}

  /** A URL-safe, unpadded Base64 token carrying {@code entropyBytes} random bytes (at least 16). */
  public static String token(int entropyBytes) {
    if (entropyBytes < MIN_BYTES) {
      throw new IllegalArgumentException(
          "entropyBytes must be at least " + MIN_BYTES + " (128 bits), got " + entropyBytes);
    }
    byte[] bytes = new byte[entropyBytes];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** A 128-bit token, enough for ids that must not be guessed. */
  public static String token() {
    return token(MIN_BYTES);
  }
}
