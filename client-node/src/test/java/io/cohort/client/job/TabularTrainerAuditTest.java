package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.client.tabular.TestAudits;
import io.cohort.proto.v1.AuditSummary;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyAudit;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code privacy.audit} in a node's federated rounds: the canaries persist over the job's rounds,
 * the summary covers every step so far, and it behaves as the acceptance criteria ask (credit
 * job-dp.yaml settings, 1000 canaries, coins from SecureRandom as in production).
 */
class TabularTrainerAuditTest {
  @TempDir Path dir;

  private JobSpec creditJob(boolean dp, double epsilon, int canaries) throws Exception {
    JobSpec.Builder b = JobSpec.newBuilder();
    JsonFormat.parser().merge(Files.readString(Path.of("../examples/credit/job-dp.spec.json")), b);
    var p = b.getPrivacy().toBuilder().setEnabled(dp).setTargetEpsilon(epsilon)
        .setAudit(PrivacyAudit.newBuilder().setCanaries(canaries).setGuesses(canaries / 2).setDelta(dp ? 0 : 1e-5))
        // The audit measures training: public validation keeps the evaluations' charge out of the target epsilon.
        .setPublicValidation(true);
    return b.setJobId("audited-" + dp + "-" + epsilon).setPrivacy(p).build();
  }

  private TabularTrainer node() {
    return new TabularTrainer(new NodeConfig("n1", "localhost", 1, true,
        List.of(new NodeConfig.Dataset("credit", Path.of("../examples/credit/credit-g.csv"), "csv", Optional.empty())),
        Duration.ofSeconds(1), Duration.ofSeconds(1), dir.resolve("identity.key")));
  }

  @Test
  void jobWithoutDp_reportsAClearDetection_afterEveryRound() throws Exception {
    JobSpec spec = creditJob(false, 0, 1000);
    TabularTrainer node = node();
    assertThat(node.auditSummary(spec)).isEmpty();
    Optional<TensorBundle> global = Optional.empty();
    for (int round = 1; round <= spec.getRounds(); round++) {
      global = Optional.of(node.train(spec, round, global).parameters());
      assertThat(node.auditSummary(spec).orElseThrow().getRound()).isEqualTo(round);
    }
    AuditSummary s = node.auditSummary(spec).orElseThrow();
    assertThat(s.getSteps()).isEqualTo(10 * 2 * 25); // 10 rounds x 2 epochs x ceil(800 / 32) batches
    // An included canary drawn in none of the 500 steps (rate 32/800) scores 0 like an excluded one.
    assertThat(s.getCorrect()).isGreaterThanOrEqualTo(498);
    assertThat(s.getEpsilonLowerBound()).isGreaterThanOrEqualTo(4);
    assertThat(s.hasAccountedEpsilon()).isFalse();
    assertThat(s.getDelta()).isEqualTo(1e-5);
  }

  @Test
  void dpJobAtEpsilon1_neverBoundsAboveTheAccountedEpsilon() throws Exception {
    JobSpec spec = creditJob(true, 1, 1000);
    TabularTrainer node = node();
    DpPlan plan = DpPlanner.plan(spec, node.trainingExamples(spec));
    Optional<TensorBundle> global = Optional.empty();
    for (int round = 1; round <= spec.getRounds(); round++) {
      global = Optional.of(node.trainPrivately(spec, round, global, plan).parameters());
    }
    AuditSummary s = node.auditSummary(spec).orElseThrow();
    System.out.println("audited job at epsilon 1: " + s.toString().replace('\n', ' '));
    assertThat(s.getSteps()).isEqualTo(100);
    assertThat(s.getAccountedEpsilon()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(s.getEpsilonLowerBound()).as("bound %s of %d right", s.getEpsilonLowerBound(), s.getCorrect())
        .isLessThanOrEqualTo(s.getAccountedEpsilon());
  }

  @Test
  void brokenNoiseAtClaimedEpsilon1_isCaught() throws Exception {
    long coinSeed = Long.getLong("cohort.test.seed", 20261206L);
    JobSpec spec = creditJob(true, 1, 1000);
    TabularTrainer node = node();
    DpPlan plan = DpPlanner.plan(spec, node.trainingExamples(spec));
    node.useAuditForTest(spec.getJobId(), TestAudits.brokenNoise(1000, 500, 1026, plan.clipNorm(), 1L, coinSeed));
    Optional<TensorBundle> global = Optional.empty();
    for (int round = 1; round <= spec.getRounds(); round++) {
      global = Optional.of(node.trainPrivately(spec, round, global, plan).parameters());
    }
    AuditSummary s = node.auditSummary(spec).orElseThrow();
    System.out.println("broken noise, claimed epsilon 1 (coin seed " + coinSeed + "): " + s.toString().replace('\n', ' '));
    assertThat(s.getEpsilonLowerBound()).as("broken noise at claimed epsilon %s (coin seed %d): %d of %d right",
        s.getAccountedEpsilon(), coinSeed, s.getCorrect(), s.getGuesses()).isGreaterThan(s.getAccountedEpsilon());
  }

  @Test
  void moreCanariesThanParameters_isDeclinedNamingTheField() throws Exception {
    assertThat(node().check(creditJob(true, 1, 5000)).map(LocalTrainer.Decline::publicReason))
        .hasValueSatisfying(r -> assertThat(r).contains("privacy.audit.canaries is 5000").contains("1026"));
  }
}
