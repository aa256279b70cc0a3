package io.cohort.crypto.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forks a JVM that records spends, SIGKILLs it at every stage of {@code record} (before the
 * write, between the two halves of the line, after the write, after the fsync) and at random
 * moments, then checks that the ledger opens, verifies, and records at least everything the
 * child released. A SIGKILL leaves the page cache intact, so this tests the protocol's ordering
 * (write-ahead, torn-line repair), not power loss; that is what the fsync is for.
 */
class LedgerCrashTest {
  private static final long SEED = 4242L;
  @TempDir Path dir;

  @Test
  void sigkillAtEveryStageOfRecording_leavesAVerifyingLedgerThatNeverUnderCounts() throws Exception {
    for (PrivacyLedger.Stage stage : PrivacyLedger.Stage.values()) {
      crashAndCheck(stage.name(), 3, -1);
    }
  }

  @Test
  void sigkillAtRandomMoments_leavesAVerifyingLedgerThatNeverUnderCounts() throws Exception {
    Random r = new Random(SEED); // test scheduling only, not security randomness
    for (int i = 0; i < 3; i++) {
      crashAndCheck("none", -1, 20 + r.nextInt(300));
    }
  }

  private void crashAndCheck(String stage, long stopAt, int killAfterMillis) throws Exception {
    String what = "stage=" + stage + " stopAt=" + stopAt + " killAfterMs=" + killAfterMillis + " seed=" + SEED;
    Path ledger = dir.resolve(stage + stopAt + "_" + killAfterMillis + ".ledger");
    Path keyFile = dir.resolve("node.key");
    IdentityKeyPair key = IdentityKeyPair.loadOrCreate(keyFile);
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Child stdout goes to a file, so everything it printed before dying can be read afterwards.
    Path out = dir.resolve(ledger.getFileName() + ".out");
    Process p = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp,
        LedgerCrashChild.class.getName(), ledger.toString(), keyFile.toString(), stage, Long.toString(stopAt))
        .redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(out.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long firstRelease = -1;
    while (System.nanoTime() < deadline && p.isAlive()) {
      String text = Files.readString(out);
      if (text.contains("AT ")) {
        break;
      }
      if (firstRelease < 0 && text.contains("RELEASED ")) {
        firstRelease = System.nanoTime();
      }
      if (killAfterMillis >= 0 && firstRelease > 0
          && System.nanoTime() - firstRelease > killAfterMillis * 1_000_000L) {
        break;
      }
      Thread.sleep(2);
    }
    p.destroyForcibly(); // SIGKILL on Unix
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(what).isTrue();
    long released = 0;
    for (String line : Files.readAllLines(out)) {
      if (line.startsWith("RELEASED ")) {
        released = Long.parseLong(line.substring(9));
      }
    }
    assertThat(p.exitValue()).as(what).isEqualTo(137);
    if (stopAt > 0) {
      assertThat(released).as(what).isEqualTo(stopAt - 1);
    }
    RdpAccountant rdp = RdpAccountant.create();
    Verification before = PrivacyLedger.verify(ledger, key.publicKey(), rdp);
    if (stage.equals("MID_WRITE")) {
      assertThat(before.status()).as(what).isEqualTo(Verification.Status.TORN_TAIL);
    } else if (stopAt > 0) {
      assertThat(before.isValid()).as(what + " " + before).isTrue();
      // Written (and for AFTER_FSYNC durable) but never released: an over-count, the safe side.
      assertThat(before.entries()).as(what).hasSize(stage.equals("BEFORE_WRITE") ? 2 : 3);
    }
    try (PrivacyLedger l = PrivacyLedger.open(ledger, "ds", key, rdp, 1e6, 1e-5)) {
      assertThat(PrivacyLedger.verify(ledger, key.publicKey(), rdp).isValid()).as(what).isTrue();
      assertThat((long) l.entries().size()).as(what).isGreaterThanOrEqualTo(released);
      if (stage.equals("MID_WRITE")) {
        assertThat(l.entries()).as(what + ": the torn line is removed").hasSize(2);
      }
      List<PlanSegment> releasedPlan = new ArrayList<>();
      for (long i = 0; i < released; i++) {
        releasedPlan.add(PlanSegment.of(i % 2 == 0 ? 0.01 : 0.02, i % 2 == 0 ? 1.0 : 1.3, 5));
      }
      if (released > 0) {
        assertThat(l.spentEpsilon()).as(what)
            .isGreaterThanOrEqualTo(rdp.epsilon(PrivacyPlan.of(releasedPlan), 1e-5).epsilon() * (1 - 1e-12));
      }
      // Recording continues after the crash.
      l.record(Spend.of("after-crash", 0, 0.01, 1.0, 1.0, 1));
    }
    assertThat(PrivacyLedger.verify(ledger, key.publicKey(), rdp).isValid()).as(what).isTrue();
    System.out.println("crash " + what + ": released=" + released + " ok");
  }
}
