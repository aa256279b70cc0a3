package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.lm.train.TrainReport;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chat SFT job's node side on the shipped tiny GPT-2: conversations read and encoded with the
 * default chat template, non-private rounds that teach a one-word answer (assistant NLL falls,
 * exact match of greedy answers rises, counted per conversation), a DP-SGD round whose privacy unit
 * is the conversation (Poisson sampling over conversations), and bad lines declined by dataset
 * alias and line without their text. Seeded data (seed in the file's name).
 */
class ChatSftJobTest {
  // Words the tiny model's tied output embedding can make likely (its rare words cannot score high).
  private static final String[] ANSWERS = {"profit", "loss", "shares", "tonnes"};
  private static final String[] FILLER = {"prices", "rose", "the", "market", "said", "traders", "in", "week"};
  @TempDir static Path dir;
  static Path data;
  static String hash;

  @BeforeAll
  static void setUp() throws Exception {
    data = conversations(dir.resolve("chats-seed5.jsonl"), 48, 5);
    hash = TextJobs.modelHash();
  }

  /** {@code n} seeded conversations: a story starting with one of four words, asked which it is. */
  static Path conversations(Path file, int n, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String answer = ANSWERS[i % ANSWERS.length];
      StringBuilder story = new StringBuilder(answer).append(' ');
      for (int w = 0; w < 4 + r.nextInt(4); w++) {
        story.append(FILLER[r.nextInt(FILLER.length)]).append(' ');
      }
      sb.append("{\"messages\": [{\"role\": \"user\", \"content\": \"").append(story.toString().strip())
          .append(". Which word comes first?\"}, {\"role\": \"assistant\", \"content\": \"").append(answer).append("\"}]}\n");
    }
    Files.writeString(file, sb);
    return file;
  }

  static JobSpec.Builder chatJob(String id) {
    JobSpec.Builder b = TextJobs.seqCls(id, hash, false).setTask(TaskType.TASK_TYPE_CHAT_SFT);
    b.getTextBuilder().setNumLabels(0).setPoolingValue(0).setMaxLength(48);
    b.getTrainingBuilder().setLocalEpochs(6).setLearningRate(0.01);
    return b;
  }

  @Test
  void federatedRounds_lowerAssistantNll_andRaiseExactMatch_reportedAsCounts() throws Exception {
    JobSpec spec = chatJob("chat-1").build();
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, data));
    assertThat(node.check(spec)).isEmpty();
    assertThat(node.trainingExamples(spec)).as("48 conversations, a quarter held out").isEqualTo(36);
    TensorBundle initial = node.initialParameters(spec);
    EvaluationResult before = node.evaluate(spec, initial);
    assertThat(before.getNumAnswers()).isEqualTo(12);
    // each held-out answer is one word token plus <|endoftext|>
    assertThat(before.getNumExamples()).isEqualTo(24);
    TensorBundle model = initial;
    for (int round = 1; round <= 2; round++) {
      model = node.train(spec, round, Optional.of(model)).parameters();
    }
    EvaluationResult after = node.evaluate(spec, model);
    assertThat(after.getNumExamples()).isEqualTo(before.getNumExamples());
    assertThat(after.getLossSum() / after.getNumExamples())
        .as("assistant NLL per token, before %.3f", before.getLossSum() / before.getNumExamples())
        .isLessThan(0.5 * before.getLossSum() / before.getNumExamples());
    assertThat(after.getNumCorrect()).as("exact matches of 12, before %d; NLL after %.3f", before.getNumCorrect(),
        after.getLossSum() / after.getNumExamples())
        .isGreaterThan(before.getNumCorrect()).isLessThanOrEqualTo(12);
    assertThat(after.getPositiveScoreHistogramCount()).isZero();
  }

  @Test
  void privateRound_samplesConversations_andSendsNoTrainingLoss() throws Exception {
    JobSpec spec = chatJob("chat-dp").setPrivacy(TextJobs.privacy(1.0)).build();
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, data));
    DpPlan plan = DpPlanner.plan(spec, node.trainingExamples(spec));
    TensorBundle initial = node.initialParameters(spec);
    LocalTrainer.Outcome out = node.trainPrivately(spec, 1, Optional.of(initial), plan);
    TrainReport r = node.lastPrivateRound();
    assertThat(r.steps()).isEqualTo(4);
    assertThat(r.q()).isEqualTo(0.25);
    assertThat(out.metrics()).isEmpty();
    assertThat(out.examples()).isEqualTo(36);
    assertThat(out.parameters().tensors()).isNotEmpty();
  }

  @Test
  void badLine_isDeclinedByAliasAndLine_withoutItsText() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, Files.readString(data) + "{\"messages\": [{\"role\": \"user\", \"content\": \"secret"
        + " words\"}]}\n");
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, bad));
    Optional<LocalTrainer.Decline> d = node.check(chatJob("chat-bad").build());
    assertThat(d).isPresent();
    assertThat(d.get().publicReason()).startsWith("dataset 'news' line 49: ").doesNotContain("secret");
  }

  @Test
  void tooLongForMaxLength_isDeclinedNamingTheLine() throws Exception {
    JobSpec.Builder b = chatJob("chat-short");
    b.getTextBuilder().setMaxLength(4);
    LmTrainer node = new LmTrainer(TextJobs.config("n1", dir, data, Optional.empty(),
        Map.of(TextJobs.MODEL_NAME, TextJobs.MODEL), Optional.empty()));
    Optional<LocalTrainer.Decline> d = node.check(b.build());
    assertThat(d).isPresent();
    assertThat(d.get().publicReason()).matches("dataset 'news' line \\d+: too long: no assistant token within the first 4"
        + " tokens .*");
  }
}
