package io.cohort.crypto.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivacyLedgerTest {
  private static final RdpAccountant RDP = RdpAccountant.create();
  private static final IdentityKeyPair KEY = IdentityKeyPair.generate();
  @TempDir Path dir;

  private PrivacyLedger open(Path f, double budget) throws Exception {
    return PrivacyLedger.open(f, "ward-7", KEY, RDP, budget, 1e-5);
  }

  @Test
  void recordedSpend_composesAcrossJobsAndSurvivesReopening() throws Exception {
    Path f = dir.resolve("ward-7.ledger");
    try (PrivacyLedger l = open(f, 10)) {
      assertThat(l.spentEpsilon()).isZero();
      PrivacyPlan job1 = PrivacyPlan.of(0.01, 1.0, 100);
      double projected = l.projectedEpsilon(job1);
      VerifiedLedgerEntry e = l.record(Spend.of("job-a", 0, 0.01, 1.0, 1.5, 100));
      assertThat(e.epsilonAfter()).isEqualTo(projected).isEqualTo(l.spentEpsilon());
      l.record(Spend.of("job-b", 3, 0.02, 1.5, 1.0, 50));
      assertThat(l.spentEpsilon()).isCloseTo(
          RDP.epsilon(job1.then(PrivacyPlan.of(0.02, 1.5, 50)), 1e-5).epsilon(), within(1e-12));
      assertThat(l.remainingEpsilon()).isCloseTo(10 - l.spentEpsilon(), within(1e-12));
    }
    try (PrivacyLedger l = open(f, 10)) {
      assertThat(l.entries()).hasSize(2);
      assertThat(l.entries().get(1).spend().jobId()).isEqualTo("job-b");
      assertThat(l.entries().get(1).spend().clipNorm()).isEqualTo(1.0);
    }
    assertThat(PrivacyLedger.verify(f, KEY.publicKey(), RDP).isValid()).isTrue();
  }

  @Test
  void spendOverBudget_isRefusedAndNothingIsWritten() throws Exception {
    Path f = dir.resolve("l");
    try (PrivacyLedger l = open(f, 1.0)) {
      long size = Files.size(f);
      assertThat(l.fits(PrivacyPlan.of(0.5, 0.8, 100))).isFalse();
      assertThatThrownBy(() -> l.record(Spend.of("job", 1, 0.5, 0.8, 1.0, 100)))
          .isInstanceOf(BudgetExceededException.class).hasMessageContaining("over the budget of 1.0");
      assertThat(Files.size(f)).isEqualTo(size);
      assertThat(l.entries()).isEmpty();
    }
  }

  @Test
  void everyByteOfEveryEntry_tampered_isDetectedAtThatEntry() throws Exception {
    Path f = dir.resolve("t");
    try (PrivacyLedger l = open(f, 50)) {
      l.record(Spend.of("job-a", 0, 0.01, 1.0, 1.0, 10));
      l.record(Spend.of("job-a", 1, 0.01, 1.0, 1.0, 10));
      l.record(Spend.of("job-b", 0, 0.05, 2.0, 0.5, 7));
    }
    byte[] good = Files.readAllBytes(f);
    Path t = dir.resolve("tampered");
    int lineOfByte = 0;
    for (int p = 0; p < good.length; p++) {
      byte[] bad = good.clone();
      bad[p] ^= 0x01;
      Files.write(t, bad);
      Verification v = PrivacyLedger.verify(t, KEY.publicKey(), RDP);
      assertThat(v.isValid()).as("byte " + p + " flipped").isFalse();
      assertThat(v.badEntry()).as("byte " + p + ": " + v).isEqualTo(lineOfByte);
      if (good[p] == '\n') {
        lineOfByte++;
      }
    }
    // Removing or reordering whole entries breaks the chain too.
    String[] lines = new String(good, java.nio.charset.StandardCharsets.UTF_8).split("\n");
    Files.writeString(t, lines[0] + "\n" + lines[2] + "\n" + lines[3] + "\n");
    assertThat(PrivacyLedger.verify(t, KEY.publicKey(), RDP).badEntry()).isEqualTo(1);
    Files.writeString(t, lines[0] + "\n" + lines[2] + "\n" + lines[1] + "\n" + lines[3] + "\n");
    assertThat(PrivacyLedger.verify(t, KEY.publicKey(), RDP).toString()).contains("entry 1");
  }

  @Test
  void tamperedLedger_cannotBeOpened_andTheErrorSaysWhere() throws Exception {
    Path f = dir.resolve("x");
    try (PrivacyLedger l = open(f, 50)) {
      l.record(Spend.of("job-a", 0, 0.01, 1.0, 1.0, 10));
      l.record(Spend.of("job-a", 1, 0.01, 1.0, 1.0, 10));
    }
    String s = Files.readString(f).replace("steps=10\taccountant", "steps=1\taccountant");
    Files.writeString(f, s);
    assertThatThrownBy(() -> open(f, 50)).isInstanceOf(LedgerException.class)
        .hasMessageContaining("failed verification at entry 1: bad signature")
        .hasMessageContaining("refusing to train on dataset ward-7");
  }

  @Test
  void anotherNodesKey_orAnotherDataset_isRefused() throws Exception {
    Path f = dir.resolve("k");
    try (PrivacyLedger l = open(f, 50)) {
      l.record(Spend.of("job-a", 0, 0.01, 1.0, 1.0, 10));
    }
    assertThat(PrivacyLedger.verify(f, IdentityKeyPair.generate().publicKey(), RDP).badEntry()).isZero();
    assertThatThrownBy(() -> PrivacyLedger.open(f, "ward-8", KEY, RDP, 50, 1e-5))
        .hasMessageContaining("expected ward-8");
  }

  @Test
  void underCountingEntry_failsVerification_evenWhenValidlySigned() throws Exception {
    Path f = dir.resolve("u");
    Files.writeString(f, LedgerCodec.header("ward-7", KEY, 1e-5, 1) + "\n");
    String h = LedgerCodec.hash(Files.readString(f).strip());
    String line = LedgerCodec.entry(1, Spend.of("j", 0, 0.5, 0.8, 1, 100), RDP.id(), 0.1, 2, h, KEY);
    Files.writeString(f, line + "\n", java.nio.file.StandardOpenOption.APPEND);
    Verification v = PrivacyLedger.verify(f, KEY.publicKey(), RDP);
    assertThat(v.status()).isEqualTo(Verification.Status.CORRUPT);
    assertThat(v.reason()).contains("records epsilon 0.1 but its history spends");
  }

  @Test
  void secondProcessOrHandle_cannotOpenTheSameLedger() throws Exception {
    Path f = dir.resolve("lock");
    try (PrivacyLedger l = open(f, 5)) {
      assertThatThrownBy(() -> open(f, 5)).isInstanceOf(Exception.class);
    }
  }
}
