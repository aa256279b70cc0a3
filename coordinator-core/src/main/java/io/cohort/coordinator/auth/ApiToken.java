package io.cohort.coordinator.auth;

import java.time.Instant;

/**
 * A stored token's identity: everything but the secret, which is never stored.
 *
 * @param tokenId a short public id ({@code tok-…}), safe to log and audit
 * @param name a human label, e.g. {@code ci-pipeline}
 */
public record ApiToken(String tokenId, String name, Role role, String createdBy, Instant createdAt) {
  /** How this token appears as an actor in the audit log. */
  public String actor() {
    return "token:" + name + " (" + tokenId + ")";
  }
}
