package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.proto.v1.AuditSummary;
import io.cohort.proto.v1.DpAccountant;
import io.cohort.proto.v1.DpOptimizer;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LoraSpec;
import io.cohort.proto.v1.PrivacyAudit;
import io.cohort.proto.v1.PrivacySpec;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code privacy.audit} on a text (LoRA) job: white-box gradient canaries on the adapter's and
 * head's coordinates, in the node's real rounds (LmTrainer), on Reuters stories with
 * examples/text/job-dp.yaml's model settings (rank-2 FFA-LoRA on the last block's c_attn and the
 * head: 514 trainable coordinates). Coins from SecureRandom as in production.
 */
class TextAuditTest {
  static final Path REUTERS = Path.of("..", "examples", "text", "reuters-grain-train.jsonl");
  @TempDir Path dir;

  /** The job: examples/text/job-dp.yaml's model, text and privacy settings; {@code epsilon} 0: no DP. */
  static JobSpec job(String id, double epsilon, int rounds, int canaries) throws Exception {
    JobSpec.Builder b = TextJobs.seqCls(id, TextJobs.modelHash(), true).setRounds(rounds);
    b.setLora(LoraSpec.newBuilder().setR(2).setAlpha(0.5).setDropout(0).addTargetModules("h.3.attn.c_attn")
        .setFreezeA(true));
    b.getTextBuilder().setMaxLength(64);
    b.getTrainingBuilder().setLocalEpochs(2).setBatchSize(16).setLearningRate(0.002).setValidationFraction(0.2);
    PrivacyAudit.Builder audit = PrivacyAudit.newBuilder().setCanaries(canaries).setGuesses(canaries / 2);
    if (epsilon > 0) {
      b.setPrivacy(PrivacySpec.newBuilder().setEnabled(true).setTargetEpsilon(epsilon).setDelta(1e-5).setClipNorm(5.0)
          .setExpectedBatchSize(83).setAccountant(DpAccountant.DP_ACCOUNTANT_RDP)
          .setOptimizer(DpOptimizer.DP_OPTIMIZER_ADAM).setLearningRate(0.05).setAudit(audit)
          // The audit measures training: public validation keeps the evaluations' charge out of the target epsilon.
          .setPublicValidation(true));
    } else {
      b.setPrivacy(PrivacySpec.newBuilder().setEnabled(false).setAudit(audit.setDelta(1e-5)));
    }
    return b.build();
  }

  /** One node's rounds of the job on the first {@code rows} Reuters stories; its audit summary after the last. */
  static AuditSummary run(Path dir, JobSpec spec, int rows) throws Exception {
    return train(dir, spec, rows).auditSummary(spec).orElseThrow();
  }

  /** The node after its rounds of the job on the first {@code rows} Reuters stories. */
  static LmTrainer train(Path dir, JobSpec spec, int rows) throws Exception {
    return train(dir, spec, rows, false);
  }

  static LmTrainer train(Path dir, JobSpec spec, int rows, boolean brokenNoise) throws Exception {
    Path data = dir.resolve("reuters-" + rows + ".jsonl");
    if (!Files.exists(data)) {
      Files.write(data, Files.readAllLines(REUTERS).subList(0, rows));
    }
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, data));
    if (brokenNoise) {
      node.brokenNoiseForTest();
    }
    assertThat(node.check(spec)).isEmpty();
    boolean dp = spec.getPrivacy().getEnabled();
    DpPlan plan = dp ? DpPlanner.plan(spec, node.trainingExamples(spec)) : null;
    Optional<TensorBundle> global = Optional.empty();
    for (int round = 1; round <= spec.getRounds(); round++) {
      global = Optional.of((dp ? node.trainPrivately(spec, round, global, plan) : node.train(spec, round, global))
          .parameters());
    }
    return node;
  }

  @Test
  void withoutDp_theAuditFindsTheCanaries() throws Exception {
    AuditSummary s = run(dir, job("text-audit-nodp", 0, 2, 500), 100);
    System.out.println("text job without DP: " + s.toString().replace('\n', ' '));
    assertThat(s.getSteps()).isEqualTo(2 * 2 * 5); // 2 rounds x 2 epochs x ceil(80 / 16) batches
    assertThat(s.getCorrect()).isGreaterThanOrEqualTo(240);
    assertThat(s.getEpsilonLowerBound()).isGreaterThanOrEqualTo(2);
    assertThat(s.hasAccountedEpsilon()).isFalse();
  }

  @Test
  void withDpAtEpsilon1_theBoundStaysBelowTheAccountedEpsilon() throws Exception {
    AuditSummary s = run(dir, job("text-audit-eps1", 1, 2, 500), 100);
    System.out.println("text job at epsilon 1: " + s.toString().replace('\n', ' '));
    assertThat(s.getAccountedEpsilon()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(s.getEpsilonLowerBound()).as("bound %s, %d of %d right", s.getEpsilonLowerBound(), s.getCorrect(),
        s.getGuesses()).isLessThanOrEqualTo(s.getAccountedEpsilon());
  }

  @Test
  void brokenNoiseAtClaimedEpsilon1_isCaught() throws Exception {
    AuditSummary s = train(dir, job("text-audit-broken", 1, 2, 500), 100, true).auditSummary(
        job("text-audit-broken", 1, 2, 500)).orElseThrow();
    System.out.println("text job, broken noise at claimed epsilon 1: " + s.toString().replace('\n', ' '));
    assertThat(s.getEpsilonLowerBound()).as("broken noise at claimed epsilon %s: %d of %d right",
        s.getAccountedEpsilon(), s.getCorrect(), s.getGuesses()).isGreaterThan(s.getAccountedEpsilon());
  }

  @Test
  void moreCanariesThanTrainableCoordinates_failsTheRoundNamingTheField() throws Exception {
    JobSpec spec = job("text-audit-big", 0, 1, 5000);
    Path data = dir.resolve("few.jsonl");
    Files.write(data, Files.readAllLines(REUTERS).subList(0, 20));
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, data));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> node.train(spec, 1, Optional.empty()))
        .hasMessageContaining("privacy.audit.canaries is 5000").hasMessageContaining("514");
  }
}
