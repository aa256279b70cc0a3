package io.cohort.client.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.LedgerAnchor;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LedgerAck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22 #2 (budget reservations) and the node side of #1 (the coordinator's acknowledgement). */
class BudgetReservationTest {
  private static final long ROWS = 60;
  private static final IdentityKeyPair KEY = IdentityKeyPair.generate();
  @TempDir Path dir;

  private PrivacyGuard guard(double budget) throws Exception {
    return new PrivacyGuard(PrivateJobs.config(dir, PrivateJobs.csv(dir, 1), budget, 1), KEY);
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static double whole(JobSpec job) throws Exception {
    return RdpAccountant.create().epsilon(DpPlanner.plan(job, ROWS).wholeJob(), 1e-5).epsilon();
  }

  // Issue 22 #2: before reservations both offers were accepted and job-b failed mid-run.
  @Test
  void twoOffersThatTogetherExceedTheBudget_theSecondIsDeclinedNamingReservedAndRemaining() throws Exception {
    JobSpec a = PrivateJobs.spec("job-a", 8, 4);
    JobSpec b = PrivateJobs.spec("job-b", 8, 4);
    double reservedA = whole(a);
    assertThat(reservedA).as("each job alone fits budget 10").isLessThan(10);
    try (PrivacyGuard g = guard(10)) {
      assertThat(g.acceptOffer(a, ROWS)).isEmpty();
      assertThat(g.acceptOffer(b, ROWS)).hasValueSatisfying(reason -> assertThat(reason)
          .contains("dataset 'tab'")
          .contains("reserved " + f(reservedA) + " by 1 other accepted jobs")
          .contains("remaining budget of " + f(10 - reservedA))
          .contains("already spent 0.0000")
          .doesNotContain(dir.toString()));
      // A re-offer of the accepted job is not judged against its own reservation.
      assertThat(g.acceptOffer(a, ROWS)).isEmpty();
      // A round of job-b (had the coordinator sent it anyway) may not use job-a's reservation.
      g.record(g.admit(a, 1, ROWS).orElseThrow());
    }
    // The reservation is durable: a restarted node still declines job-b.
    try (PrivacyGuard g = guard(10)) {
      assertThat(g.checkOffer(b, ROWS)).get().asString().contains("by 1 other accepted jobs");
    }
  }

  @Test
  void aJobThatEnds_releasesWhatItDidNotSpend_andAFinishedJobHoldsNothing() throws Exception {
    JobSpec a = PrivateJobs.spec("job-a", 8, 2);
    JobSpec b = PrivateJobs.spec("job-b", 8, 2);
    try (PrivacyGuard g = guard(10)) {
      g.setClock(() -> 1_000);
      assertThat(g.acceptOffer(a, ROWS)).isEmpty();
      g.record(g.admit(a, 1, ROWS).orElseThrow());
      assertThat(g.acceptOffer(b, ROWS)).get().asString().contains("by 1 other accepted jobs");
      // A list of active jobs assembled before the reservation cannot release it.
      assertThat(g.releaseEnded(List.of(), 999)).isEmpty();
      // job-a is no longer listed (failed or cancelled after round 1): its unspent round is released.
      assertThat(g.releaseEnded(List.of("job-other"), 1_001)).containsExactly("job-a");
      assertThat(Reservations.read(dir.resolve("n1.tab.ledger").toAbsolutePath())).isEmpty();
      assertThat(g.checkOffer(b, ROWS)).satisfiesAnyOf(o -> assertThat(o).isEmpty(),
          o -> assertThat(o).get().asString().contains("reserved 0.0000 by 0 other accepted jobs"));
    }
    try (PrivacyGuard g = guard(100)) {
      JobSpec c = PrivateJobs.spec("job-c", 2, 2);
      assertThat(g.acceptOffer(c, ROWS)).isEmpty();
      assertThat(Reservations.read(dir.resolve("n1.tab.ledger").toAbsolutePath())).extracting(
          Reservations.Reservation::jobId).contains("job-c");
      g.record(g.admit(c, 1, ROWS).orElseThrow());
      g.record(g.admit(c, 2, ROWS).orElseThrow());
      assertThat(Reservations.read(dir.resolve("n1.tab.ledger").toAbsolutePath())).extracting(
          Reservations.Reservation::jobId).as("every reserved round is spent").doesNotContain("job-c");
    }
  }

  // Issue 22 #2: what the heartbeat reports for the dashboard is the reservation the node enforces.
  @Test
  void reservedByDataset_reportsTheUnspentReservationOfAcceptedJobs() throws Exception {
    JobSpec a = PrivateJobs.spec("job-a", 8, 4);
    try (PrivacyGuard g = guard(10)) {
      assertThat(g.reservedByDataset()).singleElement().satisfies(r -> {
        assertThat(r.alias()).isEqualTo("tab");
        assertThat(r.epsilon()).isZero();
        assertThat(r.jobs()).isZero();
      });
      assertThat(g.acceptOffer(a, ROWS)).isEmpty();
      assertThat(g.reservedByDataset()).singleElement().satisfies(r -> {
        assertThat(r.epsilon()).isCloseTo(whole(a), within(1e-9));
        assertThat(r.jobs()).isEqualTo(1);
      });
      g.record(g.admit(a, 1, ROWS).orElseThrow());
      double spent = g.spentEpsilon("tab");
      assertThat(g.reservedByDataset()).singleElement().satisfies(r -> assertThat(r.epsilon())
          .as("the rest of job-a beyond round 1").isCloseTo(whole(a) - spent, within(1e-9)));
    }
  }

  // Issue 22 #1 (b): the coordinator acknowledged more than the file holds.
  @Test
  void aLedgerBehindTheCoordinatorsAcknowledgement_isRefusedForOffersAndRounds() throws Exception {
    JobSpec a = PrivateJobs.spec("job-a", 3, 3);
    String hash2;
    try (PrivacyGuard g = guard(10)) {
      g.record(g.admit(a, 1, ROWS).orElseThrow());
      hash2 = g.record(g.admit(a, 2, ROWS).orElseThrow()).hashHex();
    }
    // Cut the second entry, and the local anchor with it (an attacker rewriting both files).
    Path ledger = dir.resolve("n1.tab.ledger");
    List<String> lines = Files.readAllLines(ledger);
    Files.write(ledger, lines.subList(0, 2));
    Files.delete(LedgerAnchor.pathFor(ledger.toAbsolutePath()));
    try (PrivacyGuard g = guard(10)) {
      assertThat(g.checkOffer(a, ROWS)).as("the file alone looks fine").isEmpty();
      List<String> problems = g.checkAcknowledged(List.of(LedgerAck.newBuilder().setDatasetAlias("tab").setSeq(2)
          .setEntryHash(hash2).build()));
      assertThat(problems).singleElement().asString().contains("has 1 entries but the coordinator's acknowledgement"
          + " records 2");
      assertThat(g.checkOffer(a, ROWS)).get().asString().contains("rolled back").contains("'tab'")
          .doesNotContain(dir.toString());
      assertThatThrownBy(() -> g.admit(a, 2, ROWS)).isInstanceOf(RoundRefusedException.class)
          .hasMessageContaining("rolled back");
      assertThat(LedgerAnchor.readAck(ledger.toAbsolutePath())).get().extracting(LedgerAnchor::entries).isEqualTo(2L);
    }
    // Restored: the acknowledgement matches again and the dataset is usable.
    Files.write(ledger, lines);
    try (PrivacyGuard g = guard(10)) {
      assertThat(g.checkAcknowledged(List.of(LedgerAck.newBuilder().setDatasetAlias("tab").setSeq(2)
          .setEntryHash(hash2).build()))).isEmpty();
      assertThat(g.admit(a, 3, ROWS)).isPresent();
    }
  }

  // Issue 22 #8 leftover: the anchor, acknowledgement and reservation files were created 0644.
  @Test
  void theLedgersSideFiles_areOwnerOnly() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.cohort.crypto.keys.OwnerOnly.posix(dir), "POSIX file modes");
    JobSpec a = PrivateJobs.spec("job-a", 3, 3);
    Path ledger = dir.resolve("n1.tab.ledger").toAbsolutePath();
    // A reservation file left 0644 by an older version is replaced 0600 on its next write.
    Files.writeString(Reservations.pathFor(ledger), "");
    Files.setPosixFilePermissions(Reservations.pathFor(ledger),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    try (PrivacyGuard g = guard(10)) {
      assertThat(g.acceptOffer(a, ROWS)).isEmpty();
      String hash = g.record(g.admit(a, 1, ROWS).orElseThrow()).hashHex();
      assertThat(g.checkAcknowledged(List.of(LedgerAck.newBuilder().setDatasetAlias("tab").setSeq(1)
          .setEntryHash(hash).build()))).isEmpty();
    }
    for (Path p : List.of(ledger, LedgerAnchor.pathFor(ledger), LedgerAnchor.ackPathFor(ledger),
        Reservations.pathFor(ledger))) {
      assertThat(Files.exists(p)).as("%s exists", p.getFileName()).isTrue();
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
          .as("mode of %s", p.getFileName()).isEqualTo("rw-------");
    }
  }
}
