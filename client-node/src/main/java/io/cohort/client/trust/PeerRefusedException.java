package io.cohort.client.trust;

/** A secure round this node refuses because of one of its peers; the message names the peer and why. */
public final class PeerRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  public PeerRefusedException(String message) {
    super(message);
  }
}
