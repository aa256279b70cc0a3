package io.cohort.coordinator.auth;

import java.util.Locale;

/** What a token may do. */
public enum Role {
  /** Everything: submit and cancel jobs, create tokens, and read everything. */
  ADMIN,
  /** Read-only: jobs, rounds, nodes, privacy spend, the audit log and its verification. */
  AUDITOR;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code admin} or {@code auditor}; the message names the valid values. */
  public static Role parse(String s) {
    if (s != null) {
      for (Role r : values()) {
        if (r.wireName().equals(s.strip().toLowerCase(Locale.ROOT))) {
          return r;
        }
      }
    }
    throw new IllegalArgumentException("role must be admin or auditor, got '" + s + "'");
  }
}
