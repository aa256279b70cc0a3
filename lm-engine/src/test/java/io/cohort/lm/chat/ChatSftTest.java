package io.cohort.lm.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.data.LabeledText;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import io.cohort.lm.train.TrainOptions;
import io.cohort.lm.train.TrainReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SFT end to end on the tiny Reuters GPT-2: the assistant-only loss trains what it should. */
class ChatSftTest {
  static final Path MODEL = Path.of("..", "examples", "text", "tiny-gpt2-reuters");
  static final Path DATA = Path.of("..", "examples", "text", "reuters-grain-train.jsonl");
  static final long SEED = 17;

  static List<Conversation> conversations(int n) throws Exception {
    List<Conversation> out = new ArrayList<>();
    List<LabeledText> recs = JsonlTexts.readClassification(DATA);
    for (LabeledText r : recs.subList(0, n)) {
      String[] words = r.text().split("\\s+");
      String story = String.join(" ", Arrays.copyOf(words, Math.min(25, words.length)));
      out.add(new Conversation(List.of(ChatMessage.system("Answer with one word."),
          ChatMessage.user(story + "\nIs this story about grain?"),
          ChatMessage.assistant(r.label() == 1 ? "yes" : "no")), DATA.toString(), r.line()));
    }
    return out;
  }

  @Test
  void sftLowersAssistantNllAndDpSftRuns() throws Exception {
    Checkpoint ck = Checkpoint.load(MODEL);
    Gpt2Tokenizer tok = Gpt2Tokenizer.fromDirectory(MODEL);
    ChatEncoder enc = new ChatEncoder(ChatTemplate.gpt2Default(), ChatEncoder.gpt2(tok), 128);
    List<Conversation> convs = conversations(48);
    ChatSft.Prepared data = ChatSft.prepare(convs, enc);
    int pad = tok.eosId();
    for (TrainOptions.DpOptions dp : new TrainOptions.DpOptions[] {null, new TrainOptions.DpOptions(0.6, 1.0)}) {
      Gpt2Model m = Gpt2Model.fromCheckpoint(ck);
      LoraModel.attach(m, new LoraConfig(4, 8f, 0f, List.of("c_attn"), false, SEED), p -> p.endsWith(".c_attn"));
      double[] before = ChatSft.assistantNll(m, data, 16, pad);
      double emBefore = ChatSft.exactMatch(m, enc, convs.subList(0, 16), tok::decode, pad, 4);
      TrainReport rep = ChatSft.train(m, data, new TrainOptions(dp == null ? 4 : 6, 8, 0.02, 0.0, SEED, dp), pad, null);
      double[] after = ChatSft.assistantNll(m, data, 16, pad);
      double emAfter = ChatSft.exactMatch(m, enc, convs.subList(0, 16), tok::decode, pad, 4);
      System.out.printf("seed %d dp %s: assistant NLL %.3f -> %.3f over %d targets, exact match %.3f -> %.3f%n",
          SEED, dp, before[0], after[0], (long) after[1], emBefore, emAfter);
      assertThat(before[1]).isEqualTo(2 * 48); // " yes"/" no" and the end-of-turn token, per conversation
      assertThat(rep.dp()).isEqualTo(dp != null);
      assertThat(after[0]).as("seed %d, dp %s", SEED, dp).isLessThan(before[0] - 1.0);
      if (dp == null) {
        assertThat(emAfter).as("seed %d", SEED).isGreaterThan(emBefore);
      }
    }
  }
}
