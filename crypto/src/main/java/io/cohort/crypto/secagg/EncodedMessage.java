package io.cohort.crypto.secagg;

import java.util.Arrays;

/**
 * A secure-aggregation stage message whose identity is its wire encoding: it is immutable and its
 * encoding canonical, so two messages of one type are equal exactly when they encode to the same
 * bytes. The messages are records holding arrays, so each still declares {@code equals} and
 * {@code hashCode}, as one-line calls of {@link #sameEncoding} and {@link #encodingHash}.
 */
public interface EncodedMessage {
  /** The canonical wire form. */
  byte[] encode();

  /** {@code equals} of a message: same type, same encoding. */
  static boolean sameEncoding(EncodedMessage self, Object other) {
    return other != null && other.getClass() == self.getClass()
        && Arrays.equals(self.encode(), ((EncodedMessage) other).encode());
  }

  /** {@code hashCode} of a message, consistent with {@link #sameEncoding}. */
  static int encodingHash(EncodedMessage self) {
    return Arrays.hashCode(self.encode());
  }
}
