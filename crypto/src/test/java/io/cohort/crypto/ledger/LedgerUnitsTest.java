package io.cohort.crypto.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19: ledger entries name their privacy unit and tell DP-SGD from noisy evaluation. */
class LedgerUnitsTest {
  private static final IdentityKeyPair KEY = IdentityKeyPair.generate();
  @TempDir Path dir;

  @Test
  void entriesNameTheirUnitAndMechanism_signedAndReadBack() throws Exception {
    Path f = dir.resolve("credit.ledger");
    try (PrivacyLedger l = PrivacyLedger.open(f, "credit", KEY, RdpAccountant.create(), 10, 1e-5)) {
      l.record(Spend.of("job-a", 1, 0.05, 1.2, 1.0, 20).withUnit("customer_id"));
      l.record(Spend.of("job-a", 1, 1.0, 20 / Math.sqrt(3), Math.sqrt(3), 1)
          .withMechanism(Spend.EVALUATION_MECHANISM).withUnit("customer_id"));
      l.record(Spend.of("job-b", 1, 0.05, 1.2, 1.0, 20)); // record level: the line keeps its old form
    }
    String text = Files.readString(f);
    assertThat(text.lines().skip(1).toList()).satisfiesExactly(
        line -> assertThat(line).contains("mechanism=poisson-gaussian").contains("\tunit=customer_id\t"),
        line -> assertThat(line).contains("mechanism=gaussian-evaluation").contains("\tunit=customer_id\t"),
        line -> assertThat(line).contains("mechanism=poisson-gaussian").doesNotContain("unit="));
    try (PrivacyLedger l = PrivacyLedger.open(f, "credit", KEY, RdpAccountant.create(), 10, 1e-5)) {
      assertThat(l.entries()).extracting(e -> e.spend().unit())
          .containsExactly("customer_id", "customer_id", Spend.RECORD_UNIT);
      assertThat(l.entries()).extracting(e -> e.spend().mechanism())
          .containsExactly(Spend.MECHANISM, Spend.EVALUATION_MECHANISM, Spend.MECHANISM);
      // The evaluation entry is charged: epsilon grows with it.
      assertThat(l.entries().get(1).epsilonAfter()).isGreaterThan(l.entries().get(0).epsilonAfter());
      LedgerLines.VerifiedEntry read = LedgerLines.verifyEntry(l.signedLine(2), KEY.publicKey());
      assertThat(read.entry().spend().unit()).isEqualTo("customer_id");
    }
  }

  @Test
  void aUnitEditedAfterSigning_breaksTheSignature() throws Exception {
    Path f = dir.resolve("credit.ledger");
    try (PrivacyLedger l = PrivacyLedger.open(f, "credit", KEY, RdpAccountant.create(), 10, 1e-5)) {
      l.record(Spend.of("job-a", 1, 0.05, 1.2, 1.0, 20).withUnit("customer_id"));
      String line = l.signedLine(1);
      assertThatThrownBy(() -> LedgerLines.verifyEntry(line.replace("unit=customer_id", "unit=visit_id"),
          KEY.publicKey())).isInstanceOf(LedgerException.class).hasMessageContaining("signature");
    }
  }

  @Test
  void unitNamesAreChecked() {
    assertThatThrownBy(() -> Spend.of("j", 1, 0.1, 1, 1, 1).withUnit("patient id\t"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit must be");
  }
}
