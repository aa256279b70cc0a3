package io.cohort.coordinator.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The canonical encoding is a stored format: a change would break every existing chain. */
class AuditEntryTest {
  private static final Instant AT = Instant.parse("2026-11-28T12:00:00.123Z");

  @Test
  void hashOfAFixedEntry_isStable() {
    AuditEntry e = AuditEntry.next(7, AT, new AuditEvent("token:ops (tok-1)", "job.cancelled", "job-abc", null, null,
        "state CANCELLED"), AuditEntry.GENESIS);
    // Computed once with this encoding; sha256 over "cohort-audit-v1" and the length-prefixed fields.
    assertThat(e.hash()).isEqualTo(e.computeHash()).hasSize(64);
    assertThat(e.hash()).isEqualTo(GOLDEN);
  }

  @Test
  void nullAndEmptyFields_encodeDifferently() {
    AuditEntry withNull = AuditEntry.next(1, AT, new AuditEvent("system", "a", null, null, null, ""),
        AuditEntry.GENESIS);
    AuditEntry withEmpty = AuditEntry.next(1, AT, new AuditEvent("system", "a", "", null, null, ""),
        AuditEntry.GENESIS);
    assertThat(withNull.hash()).isNotEqualTo(withEmpty.hash());
  }

  @Test
  void movingTextBetweenFields_changesTheHash() {
    AuditEntry a = AuditEntry.next(1, AT, new AuditEvent("system", "ab", "c", null, null, ""), AuditEntry.GENESIS);
    AuditEntry b = AuditEntry.next(1, AT, new AuditEvent("system", "a", "bc", null, null, ""), AuditEntry.GENESIS);
    assertThat(a.hash()).isNotEqualTo(b.hash());
  }

  /** Also computed independently (Python hashlib over the same encoding). */
  static final String GOLDEN = "1a1b9ed67fa1a8976cfa66f4f359e5607ec00c0f124253eacb4a027e42d3a44a";
}
