package io.cohort.crypto.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerLinesTest {
  @TempDir Path dir;

  @Test
  void linesHandedOut_verifyUnderTheNodeKey_andChain() throws Exception {
    IdentityKeyPair key = IdentityKeyPair.generate();
    try (PrivacyLedger l = PrivacyLedger.open(dir.resolve("a.ledger"), "credit", key, RdpAccountant.create(), 10,
        1e-5)) {
      VerifiedLedgerEntry first = l.record(Spend.of("job-1", 1, 0.05, 1.2, 1.0, 40));
      VerifiedLedgerEntry second = l.record(Spend.of("job-1", 2, 0.05, 1.2, 1.0, 40));
      LedgerLines.VerifiedHeader h = LedgerLines.verifyHeader(l.headerLine(), key.publicKey());
      assertThat(h.datasetId()).isEqualTo("credit");
      assertThat(h.delta()).isEqualTo(1e-5);
      LedgerLines.VerifiedEntry v1 = LedgerLines.verifyEntry(l.signedLine(1), key.publicKey());
      LedgerLines.VerifiedEntry v2 = LedgerLines.verifyEntry(l.signedLine(2), key.publicKey());
      assertThat(v1.entry()).isEqualTo(first);
      assertThat(v2.entry()).isEqualTo(second);
      assertThat(v1.previousHashHex()).isEqualTo(h.hashHex());
      assertThat(v2.previousHashHex()).isEqualTo(first.hashHex());
    }
    // Reopened, the lines are the stored ones.
    try (PrivacyLedger l = PrivacyLedger.open(dir.resolve("a.ledger"), "credit", key, RdpAccountant.create(), 10,
        1e-5)) {
      assertThat(LedgerLines.verifyEntry(l.signedLine(2), key.publicKey()).entry().spend().round()).isEqualTo(2);
    }
  }

  @Test
  void editedLineOrOtherKey_isRejectedWithTheReason() throws Exception {
    IdentityKeyPair key = IdentityKeyPair.generate();
    try (PrivacyLedger l = PrivacyLedger.open(dir.resolve("b.ledger"), "credit", key, RdpAccountant.create(), 10,
        1e-5)) {
      l.record(Spend.of("job-1", 1, 0.05, 1.2, 1.0, 40));
      String line = l.signedLine(1);
      assertThatThrownBy(() -> LedgerLines.verifyEntry(line.replace("sigma=1.2", "sigma=9.2"), key.publicKey()))
          .isInstanceOf(LedgerException.class).hasMessageContaining("bad signature");
      assertThatThrownBy(() -> LedgerLines.verifyEntry(line, IdentityKeyPair.generate().publicKey()))
          .isInstanceOf(LedgerException.class).hasMessageContaining("bad signature");
      assertThatThrownBy(() -> LedgerLines.verifyHeader(l.headerLine(), IdentityKeyPair.generate().publicKey()))
          .isInstanceOf(LedgerException.class);
      assertThatThrownBy(() -> l.signedLine(2)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
