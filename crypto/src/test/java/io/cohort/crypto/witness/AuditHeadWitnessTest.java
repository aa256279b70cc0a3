package io.cohort.crypto.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.OwnerOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 #7: a node's witness of the coordinator's audit head never moves backwards and keeps its evidence. */
class AuditHeadWitnessTest {
  private static final IdentityKeyPair COORDINATOR = IdentityKeyPair.generate();
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
  @TempDir Path dir;

  private static String hash(int i) {
    return String.format("%064x", i);
  }

  private static SignedAuditHead head(long seq, int hash) {
    return SignedAuditHead.sign(seq, hash(hash), COORDINATOR);
  }

  private AuditHeadWitness witness() throws Exception {
    return AuditHeadWitness.open(dir.resolve("node1.audit-head"));
  }

  @Test
  void aSignedHeadVerifies_andAnyChangeToSeqHashOrKeyDoesNot() {
    SignedAuditHead h = head(12, 7);
    assertThat(h.verifies()).isTrue();
    assertThat(new SignedAuditHead(13, h.entryHash(), h.signer(), h.signature()).verifies()).isFalse();
    assertThat(new SignedAuditHead(12, hash(8), h.signer(), h.signature()).verifies()).isFalse();
    assertThat(new SignedAuditHead(12, h.entryHash(), IdentityKeyPair.generate().publicKey(), h.signature())
        .verifies()).isFalse();
    assertThatThrownBy(() -> new SignedAuditHead(-1, hash(1), h.signer(), h.signature()))
        .hasMessageContaining("seq must be >= 0");
    assertThatThrownBy(() -> new SignedAuditHead(1, "ABC", h.signer(), h.signature()))
        .hasMessageContaining("64 lower-case hex");
  }

  @Test
  void newerHeadsAreAdopted_andTheNewestSurvivesAReopen_in0600() throws Exception {
    AuditHeadWitness w = witness();
    assertThat(w.head()).isEmpty();
    assertThat(w.observe(head(3, 3), T0).outcome()).isEqualTo(AuditHeadWitness.Outcome.FIRST);
    assertThat(w.observe(head(3, 3), T0).outcome()).isEqualTo(AuditHeadWitness.Outcome.UNCHANGED);
    assertThat(w.observe(head(9, 9), T0.plusSeconds(1)).outcome()).isEqualTo(AuditHeadWitness.Outcome.ADVANCED);
    AuditHeadWitness again = witness();
    assertThat(again.head()).get().satisfies(s -> {
      assertThat(s.head().seq()).isEqualTo(9);
      assertThat(s.head().entryHash()).isEqualTo(hash(9));
      assertThat(s.head().verifies()).isTrue();
      assertThat(s.seenAt()).isEqualTo(T0.plusSeconds(1));
    });
    assertThat(again.conflicts()).isEmpty();
    Assumptions.assumeTrue(OwnerOnly.posix(dir), "POSIX file modes");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(w.file()))).isEqualTo("rw-------");
  }

  // The attack of issue 22 #7 as a node sees it: the coordinator's log was cut back from 9 to 6.
  @Test
  void aLowerHead_isAConflict_notAdopted_andTheHeldHeadStaysAsEvidenceWhenTheLogGrowsPastIt() throws Exception {
    AuditHeadWitness w = witness();
    w.observe(head(9, 9), T0);
    AuditHeadWitness.Observation back = w.observe(head(6, 6), T0.plusSeconds(1));
    assertThat(back.outcome()).isEqualTo(AuditHeadWitness.Outcome.BACKWARDS);
    assertThat(back.repeated()).isFalse();
    assertThat(back.message()).contains("WENT BACKWARDS").contains("entry 6").contains("witnessed entry 9");
    assertThat(w.head().orElseThrow().head().seq()).as("never moves backwards").isEqualTo(9);
    // The same conflict on every heartbeat is recorded (and logged loudly) once.
    assertThat(w.observe(head(6, 6), T0.plusSeconds(2)).repeated()).isTrue();
    assertThat(w.conflicts()).hasSize(1);
    // The forged log grows past 9: the node adopts the new head but keeps 9 as evidence for the auditor.
    assertThat(w.observe(head(11, 111), T0.plusSeconds(3)).outcome()).isEqualTo(AuditHeadWitness.Outcome.ADVANCED);
    AuditHeadWitness again = witness();
    assertThat(again.head().orElseThrow().head().seq()).isEqualTo(11);
    assertThat(again.evidence()).extracting(s -> s.head().seq()).containsExactly(9L);
    assertThat(again.headsToCheck()).extracting(s -> s.head().seq()).containsExactly(9L, 11L);
    assertThat(again.conflicts()).singleElement().satisfies(c -> assertThat(c.message()).contains("WENT BACKWARDS"));
  }

  @Test
  void anotherHashAtTheSameSeq_anotherKey_orABadSignature_areConflicts() throws Exception {
    AuditHeadWitness w = witness();
    w.observe(head(5, 5), T0);
    assertThat(w.observe(head(5, 55), T0).outcome()).isEqualTo(AuditHeadWitness.Outcome.FORKED);
    SignedAuditHead foreign = SignedAuditHead.sign(20, hash(20), IdentityKeyPair.generate());
    AuditHeadWitness.Observation other = w.observe(foreign, T0);
    assertThat(other.outcome()).isEqualTo(AuditHeadWitness.Outcome.OTHER_KEY);
    assertThat(other.message()).contains("not by the coordinator key");
    SignedAuditHead good = head(30, 30);
    SignedAuditHead forged = new SignedAuditHead(31, good.entryHash(), good.signer(), good.signature());
    assertThat(w.observe(forged, T0).outcome()).isEqualTo(AuditHeadWitness.Outcome.BAD_SIGNATURE);
    assertThat(witness().head().orElseThrow().head().seq()).as("none adopted").isEqualTo(5);
    assertThat(witness().conflicts()).hasSize(3);
  }

  @Test
  void aDamagedFile_isRefusedNamingFileAndLine() throws Exception {
    AuditHeadWitness w = witness();
    w.observe(head(2, 2), T0);
    String text = Files.readString(w.file());
    Files.writeString(w.file(), text.replace("seq=2", "seq=x"));
    assertThatThrownBy(this::witness).hasMessageContaining("node1.audit-head line 2 is not valid");
  }
}
