package io.cohort.crypto.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 #1: a ledger cut back to fewer (or other) entries is caught by its local anchor. */
class LedgerAnchorTest {
  private static final RdpAccountant RDP = RdpAccountant.create();
  private static final IdentityKeyPair KEY = IdentityKeyPair.generate();
  @TempDir Path dir;

  private PrivacyLedger open(Path f) throws Exception {
    return PrivacyLedger.open(f, "ward-7", KEY, RDP, 100, 1e-5);
  }

  private Path ledgerWith(int entries) throws Exception {
    Path f = dir.resolve("ward-7.ledger");
    try (PrivacyLedger l = open(f)) {
      for (int i = 1; i <= entries; i++) {
        l.record(Spend.of("job-a", i, 0.01, 1.0, 1.0, 50));
      }
    }
    return f;
  }

  /** Keeps the header and the first {@code keep} entries, as an attacker cutting the tail would. */
  private static void cutTo(Path f, int keep) throws Exception {
    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    Files.write(f, lines.subList(0, keep + 1), StandardCharsets.UTF_8);
  }

  // Issue 22 #1: before the anchor, this ledger opened with 3 entries and a lower spend.
  @Test
  void cuttingTheNewestEntries_isDetectedOnOpenAndByTheReadOnlyCheck() throws Exception {
    Path f = ledgerWith(5);
    cutTo(f, 3);
    Verification v = PrivacyLedger.verify(f, KEY.publicKey(), RDP);
    assertThat(v.isValid()).as("the file alone still verifies: that is the bug").isTrue();
    assertThat(LedgerAnchor.check(f, v)).get().asString().contains("has 3 entries but its anchor records 5");
    assertThatThrownBy(() -> open(f)).isInstanceOf(LedgerRollbackException.class)
        .hasMessageContaining("has 3 entries but its anchor records 5").hasMessageContaining("ward-7");
  }

  @Test
  void deletingTheWholeLedger_isDetected() throws Exception {
    Path f = ledgerWith(2);
    Files.delete(f);
    assertThatThrownBy(() -> open(f)).isInstanceOf(LedgerRollbackException.class)
        .hasMessageContaining("has 0 entries but its anchor records 2");
  }

  @Test
  void replacingTheNewestEntry_isDetected() throws Exception {
    Path f = ledgerWith(3);
    byte[] anchor = Files.readAllBytes(LedgerAnchor.pathFor(f));
    cutTo(f, 2);
    Files.delete(LedgerAnchor.pathFor(f)); // let it record another entry 3, then restore the anchor
    try (PrivacyLedger l = open(f)) {
      l.record(Spend.of("job-b", 1, 0.001, 5.0, 1.0, 1)); // a far smaller spend
    }
    Files.write(LedgerAnchor.pathFor(f), anchor);
    assertThatThrownBy(() -> open(f)).isInstanceOf(LedgerRollbackException.class)
        .hasMessageContaining("holds another entry 3");
  }

  // Write-ahead order: a crash after the entry's fsync and before the anchor's is no rollback.
  @Test
  void crashBetweenEntryAndAnchor_isNoFalseAlarm_andTheAnchorCatchesUp() throws Exception {
    Path f = ledgerWith(2);
    try (PrivacyLedger l = open(f)) {
      l.setProbe((stage, seq) -> {
        if (stage == PrivacyLedger.Stage.AFTER_FSYNC) {
          throw new IllegalStateException("simulated crash after the entry's fsync, before its anchor");
        }
      });
      assertThatThrownBy(() -> l.record(Spend.of("job-a", 3, 0.01, 1.0, 1.0, 50)))
          .hasMessageContaining("simulated crash");
    }
    assertThat(LedgerAnchor.read(f)).get().extracting(LedgerAnchor::entries).isEqualTo(2L);
    try (PrivacyLedger l = open(f)) {
      assertThat(l.entries()).hasSize(3); // the entry counts (over-count, never under-count)
    }
    LedgerAnchor a = LedgerAnchor.read(f).orElseThrow();
    assertThat(a.entries()).isEqualTo(3);
    assertThat(a.lastHash()).isEqualTo(PrivacyLedger.verify(f, KEY.publicKey(), RDP).entries().get(2).hashHex());
  }

  @Test
  void aLedgerWithoutAnAnchor_getsOne_andAGarbledAnchorIsOneLineError() throws Exception {
    Path f = ledgerWith(1);
    Files.delete(LedgerAnchor.pathFor(f)); // e.g. a ledger written before anchors existed
    try (PrivacyLedger l = open(f)) {
      assertThat(l.entries()).hasSize(1);
    }
    assertThat(LedgerAnchor.read(f)).get().extracting(LedgerAnchor::entries).isEqualTo(1L);
    Files.writeString(LedgerAnchor.pathFor(f), "entries=1\n");
    assertThatThrownBy(() -> open(f)).isInstanceOf(LedgerException.class)
        .hasMessageContaining("is not a valid anchor").hasMessageNotContaining("\n");
    assertThat(Arrays.asList(dir.toFile().list())).doesNotContain("ward-7.ledger.anchor.tmp");
  }
}
