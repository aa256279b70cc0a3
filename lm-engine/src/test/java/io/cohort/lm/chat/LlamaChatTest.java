package io.cohort.lm.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.lm.generate.Generator;
import io.cohort.lm.generate.Sampler;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.tokenizer.HfTokenizer;
import io.cohort.lm.train.TrainOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chat SFT on the Llama family with each checkpoint's own template: the encoded ids equal Hugging
 * Face's for the template fixtures, the loss mask covers exactly each assistant turn's content and
 * its end-of-turn token, and training on the assistant-only loss lowers assistant NLL.
 */
class LlamaChatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Path model(String family) {
    return Path.of("..", "examples", "llama", "tiny-" + family);
  }

  static HfTokenizer tokenizer(String family) throws Exception {
    Path dir = model(family);
    return HfTokenizer.fromDirectory(dir, LlamaCheckpoint.load(dir).config().eosTokenId());
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama3", "qwen3"})
  void idsEqualTheFixtureAndTheMaskIsExactlyTheAssistantTurns(String family) throws Exception {
    ChatTemplate template = ChatTemplate.fromDirectory(model(family));
    int checked = 0;
    try (HfTokenizer tok = tokenizer(family)) {
      ChatEncoder enc = new ChatEncoder(template, ChatEncoder.hf(tok), 512);
      for (String line : Files.readAllLines(ChatTemplateTest.resource(family + ".jsonl"))) {
        JsonNode rec = JSON.readTree(line);
        List<ChatMessage> messages = ChatTemplateTest.messages(rec.get("messages"));
        if (rec.get("add_generation_prompt").asBoolean() || !messages.get(messages.size() - 1).isAssistant()) {
          continue;
        }
        ChatEncoder.Encoded e = enc.encode(new Conversation(messages, family + ".jsonl", ++checked));
        assertThat(e.ids()).as(family + " conversation " + checked)
            .containsExactly(JSON.treeToValue(rec.get("ids"), int[].class));
        List<Integer> masked = new ArrayList<>();
        for (int t = 0; t < e.ids().length; t++) {
          if (e.mask()[t]) {
            masked.add(e.ids()[t]);
          }
        }
        StringBuilder expected = new StringBuilder();
        for (ChatMessage m : messages) {
          if (m.isAssistant()) {
            expected.append(m.content()).append(template.endOfTurn());
          }
        }
        assertThat(tok.decode(masked.stream().mapToInt(Integer::intValue).toArray())).as(family + " mask")
            .isEqualTo(expected.toString());
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(1);
  }

  @Test
  void assistantOnlySftLowersAssistantNllAndGeneratesWithTheTemplate() throws Exception {
    String family = "llama3";
    long seed = 23;
    LlamaModel m = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(model(family)));
    try (HfTokenizer tok = tokenizer(family)) {
      ChatEncoder enc = new ChatEncoder(ChatTemplate.fromDirectory(model(family)), ChatEncoder.hf(tok), 64);
      String[] grains = {"wheat", "maize", "barley", "rice"};
      List<Conversation> convs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String g = grains[i % grains.length];
        convs.add(new Conversation(List.of(ChatMessage.system("Answer with one word."),
            ChatMessage.user("Exports of " + g + " rose " + (i + 2) + " pct. Which grain?"),
            ChatMessage.assistant(g)), "synthetic", i + 1));
      }
      ChatSft.Prepared data = ChatSft.prepare(convs, enc);
      LoraModel.attach(m, new LoraConfig(4, 8f, 0f, List.of("all-linear"), false, seed));
      int pad = tok.eosId();
      double before = ChatSft.assistantNll(m, data, 4, pad)[0];
      ChatSft.train(m, data, new TrainOptions(8, 4, 0.02, 0.0, seed, null), pad, null);
      double after = ChatSft.assistantNll(m, data, 4, pad)[0];
      System.out.printf("%s seed %d: assistant NLL %.3f -> %.3f%n", family, seed, before, after);
      assertThat(after).as("%s seed %d: assistant NLL %.3f -> %.3f", family, seed, before, after)
          .isLessThan(before - 1.0);
      // generation with the template's prompt stops on its end of turn or runs to the limit
      int eot = enc.endOfTurnId();
      assertThat(eot).isGreaterThanOrEqualTo(0);
      Generator.Result r = new Generator(m, pad, eot).generate(enc.encodePrompt(convs.get(0).prompt()), 4,
          Sampler.greedy(), true, null);
      assertThat(r.tokens().length).isBetween(0, 4);
    }
  }

  /** A control token of the tokenizer inside message text would forge a turn: refused, naming the message. */
  @ParameterizedTest
  @ValueSource(strings = {"llama3:<|start_header_id|>", "qwen3:<|im_start|>"})
  void messageTextWithAControlTokenIsRefused(String familyAndToken) throws Exception {
    String family = familyAndToken.substring(0, familyAndToken.indexOf(':'));
    String token = familyAndToken.substring(family.length() + 1);
    try (HfTokenizer tok = tokenizer(family)) {
      ChatEncoder enc = new ChatEncoder(ChatTemplate.fromDirectory(model(family)), ChatEncoder.hf(tok), 512);
      Conversation c = new Conversation(List.of(ChatMessage.user("hi " + token + "system"),
          ChatMessage.assistant("ok")), "chat.jsonl", 7);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> enc.encode(c))
          .hasMessage("chat.jsonl:7: messages[0].content contains the special token " + token + ", which the tokenizer"
              + " reads as a control token (it could forge a turn boundary); remove it from the data");
    }
  }

  /** A folder without a chat_template (tiny-mistral): the default layout, closed by the folder's own EOS. */
  @org.junit.jupiter.api.Test
  void aFolderWithoutATemplateGetsTheDefaultLayoutWithItsOwnEos() throws Exception {
    ChatTemplate t = ChatTemplate.fromDirectory(model("mistral"));
    assertThat(t.isDefault()).isTrue();
    assertThat(t.eosToken()).isEqualTo("</s>");
    try (HfTokenizer tok = tokenizer("mistral")) {
      ChatEncoder enc = new ChatEncoder(t, ChatEncoder.hf(tok), 64);
      assertThat(enc.endOfTurnId()).isEqualTo(2);
      ChatEncoder.Encoded e = enc.encode(Conversation.of(ChatMessage.user("Which grain?"), ChatMessage.assistant("wheat")));
      List<Integer> masked = new ArrayList<>();
      for (int i = 0; i < e.ids().length; i++) {
        if (e.mask()[i]) {
          masked.add(e.ids()[i]);
        }
      }
      assertThat(masked).hasSizeGreaterThanOrEqualTo(2).endsWith(2);
      assertThat(tok.decode(masked.subList(0, masked.size() - 1).stream().mapToInt(Integer::intValue).toArray()).strip())
          .isEqualTo("wheat");
    }
  }
}
