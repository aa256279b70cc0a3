package io.cohort.client.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.proto.v1.JobSpec;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivacyGuardTest {
  private static final long ROWS = 60;
  @TempDir Path dir;

  private PrivacyGuard guard(Double budget) throws Exception {
    return new PrivacyGuard(PrivateJobs.config(dir, PrivateJobs.csv(dir, 1), budget, 1), IdentityKeyPair.generate());
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  @Test
  void offerOverTheRemainingBudget_isDeclinedWithBothNumbers() throws Exception {
    JobSpec job = PrivateJobs.spec("job-a", 8, 3);
    // The job's noised evaluations count in its projected spend (issue 19 #3).
    double projected = RdpAccountant.create().epsilon(DpPlanner.plan(job, ROWS).wholeJob()
        .then(EvaluationPrivacy.wholeJob(job)), 1e-5).epsilon();
    try (PrivacyGuard g = guard(1.0)) {
      assertThat(g.checkOffer(job, ROWS)).hasValueSatisfying(reason -> assertThat(reason)
          .contains("projected spend (epsilon " + f(projected))
          .contains("remaining budget of 1.0000")
          .contains("dataset 'tab'"));
    }
  }

  @Test
  void jobsCompose_soASecondJobIsJudgedOnWhatTheFirstSpent() throws Exception {
    try (PrivacyGuard g = guard(5.0)) {
      JobSpec first = PrivateJobs.spec("job-1", 4, 2);
      assertThat(g.checkOffer(first, ROWS)).isEmpty();
      for (int round = 1; round <= 2; round++) {
        g.record(g.admit(first, round, ROWS).orElseThrow());
      }
      double spent = g.spentEpsilon("tab");
      assertThat(spent).isBetween(3.0, 4.0);
      // Composed with the first job, a second job of epsilon 4.5 does not fit in 5, though alone it would.
      JobSpec second = PrivateJobs.spec("job-2", 4.5, 2);
      try (PrivacyGuard fresh = new PrivacyGuard(PrivateJobs.config(dir.resolve("fresh"), PrivateJobs.csv(dir, 1), 5.0,
          1), IdentityKeyPair.generate())) {
        assertThat(fresh.checkOffer(second, ROWS)).isEmpty();
      }
      assertThat(g.checkOffer(second, ROWS)).hasValueSatisfying(reason -> assertThat(reason)
          .contains("remaining budget of " + f(5.0 - spent)).contains("already spent " + f(spent)));
      assertThat(g.entries("tab", "job-1")).hasSize(2)
          .allSatisfy(e -> assertThat(e.getSignedLine()).contains("job=job-1"));
    }
  }

  @Test
  void roundThatWouldOverspend_isRefused_everyTimeTheCoordinatorSendsIt() throws Exception {
    try (PrivacyGuard g = guard(3.0)) {
      JobSpec job = PrivateJobs.spec("job-x", 3, 2);
      assertThat(g.checkOffer(job, ROWS)).isEmpty();
      g.record(g.admit(job, 1, ROWS).orElseThrow());
      // The coordinator changes the parameters for round 2: far less noise than accepted.
      JobSpec changed = job.toBuilder().setPrivacy(job.getPrivacy().toBuilder().setTargetEpsilon(0)
          .setNoiseMultiplier(0.3)).build();
      for (int attempt = 0; attempt < 3; attempt++) {
        assertThatThrownBy(() -> g.admit(changed, 2, ROWS)).isInstanceOf(RoundRefusedException.class)
            .hasMessageContaining("round 2 of job job-x").hasMessageContaining("over its budget of 3.0000");
      }
      // The accepted parameters fit once; a retry of the same round would not.
      g.record(g.admit(job, 2, ROWS).orElseThrow());
      assertThatThrownBy(() -> g.admit(job, 2, ROWS)).isInstanceOf(RoundRefusedException.class);
      assertThat(g.entries("tab", "job-x")).hasSize(2);
      assertThat(g.spentEpsilon("tab")).isLessThanOrEqualTo(3.0);
    }
  }

  /**
   * Issue 21 #4: the terms accepted at offer time are pinned. A coordinator that changes sigma or
   * the clip norm in a later round is refused even where the changed round would fit the budget, no
   * entry is written for it, and each recorded entry names the accepted terms' hash.
   */
  @Test
  void changedTermsAfterAcceptance_areRefusedEvenWithinBudget_andEntriesNameTheAcceptedTerms() throws Exception {
    JobSpec job = PrivateJobs.spec("job-pin", 3, 3);
    String accepted = io.cohort.wire.JobTerms.sha256Hex(job);
    // More noise and a larger clip norm: a round that would fit the budget, under other terms.
    JobSpec changed = job.toBuilder().setPrivacy(job.getPrivacy().toBuilder().setTargetEpsilon(0)
        .setNoiseMultiplier(4.0).setClipNorm(5.0)).build();
    try (PrivacyGuard g = guard(50.0)) {
      assertThat(g.acceptOffer(job, ROWS)).isEmpty();
      g.checkTerms("job-pin", job, accepted);
      var entry = g.record(g.admit(job, 1, ROWS).orElseThrow());
      assertThat(entry.spend().jobTermsSha256()).isEqualTo(accepted);
      assertThatThrownBy(() -> g.checkTerms("job-pin", changed, io.cohort.wire.JobTerms.sha256Hex(changed)))
          .isInstanceOf(RoundRefusedException.class).hasMessageContaining("job terms changed")
          .hasMessageContaining("privacy.clip_norm: 1.0 → 5.0").hasMessageContaining("privacy.noise_multiplier: 0.0 → 4.0");
      assertThatThrownBy(() -> g.admit(changed, 2, ROWS)).isInstanceOf(RoundRefusedException.class)
          .hasMessageContaining("job terms changed");
      // The accepted spec under a hash that is not its own is refused too.
      assertThatThrownBy(() -> g.checkTerms("job-pin", job, "0".repeat(64))).isInstanceOf(RoundRefusedException.class);
      // A job never accepted, and a changed re-offer of the accepted one, are refused.
      assertThatThrownBy(() -> g.checkTerms("job-other", job.toBuilder().setJobId("job-other").build(), ""))
          .hasMessageContaining("never accepted job job-other");
      assertThat(g.acceptOffer(changed, ROWS)).hasValueSatisfying(r -> assertThat(r)
          .contains("was accepted before under other terms"));
      assertThat(g.acceptOffer(job, ROWS)).as("the same offer again is idempotent").isEmpty();
      assertThat(g.entries("tab", "job-pin")).singleElement().satisfies(e -> {
        assertThat(e.getJobTermsSha256()).isEqualTo(accepted);
        assertThat(e.getSignedLine()).contains("\tterms=" + accepted + "\tsig=");
      });
    }
    // The pin is durable: a restarted node still refuses the changed terms.
    try (PrivacyGuard again = guard(50.0)) {
      assertThatThrownBy(() -> again.checkTerms("job-pin", changed, "")).hasMessageContaining("job terms changed");
      assertThat(again.acceptedTerms("job-pin")).hasValueSatisfying(p -> assertThat(p.plan())
          .startsWith("q:").contains("clip:1.0").contains("rounds:3"));
    }
  }

  @Test
  void jobCannotRaiseTheBudget_orRunNonPrivatelyOnABudgetedDataset() throws Exception {
    try (PrivacyGuard g = guard(2.0)) {
      // Whatever a job asks for, the budget is node.yaml's.
      assertThat(g.checkOffer(PrivateJobs.spec("job-big", 100, 1), ROWS)).hasValueSatisfying(r -> assertThat(r)
          .contains("remaining budget of 2.0000"));
      JobSpec open = PrivateJobs.spec("job-open", 1, 1).toBuilder().clearPrivacy().build();
      assertThat(g.checkOffer(open, ROWS)).hasValueSatisfying(r -> assertThat(r).contains("only in differentially"
          + " private jobs"));
      assertThatThrownBy(() -> g.admit(open, 1, ROWS)).isInstanceOf(RoundRefusedException.class);
    }
    try (PrivacyGuard g = guard(null)) {
      assertThat(g.checkOffer(PrivateJobs.spec("job-p", 1, 1), ROWS)).hasValueSatisfying(r -> assertThat(r)
          .contains("has no privacy budget"));
      assertThat(g.admit(PrivateJobs.spec("job-p", 1, 1).toBuilder().clearPrivacy().build(), 1, ROWS)).isEmpty();
    }
  }
}
