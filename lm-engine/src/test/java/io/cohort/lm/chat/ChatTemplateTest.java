package io.cohort.lm.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Path resource(String name) throws URISyntaxException {
    return Path.of(ChatTemplateTest.class.getResource("/chat/" + name).toURI());
  }

  static List<ChatMessage> messages(JsonNode arr) {
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : arr) {
      out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    return out;
  }

  /** Every conversation of the fixture renders to exactly the text @huggingface/jinja rendered. */
  @ParameterizedTest
  @ValueSource(strings = {"llama3", "qwen3"})
  void rendersEveryFixtureConversationExactly(String family) throws Exception {
    ChatTemplate t = ChatTemplate.fromDirectory(resource("tiny-" + family));
    assertThat(t.isDefault()).isFalse();
    List<String> lines = Files.readAllLines(resource(family + ".jsonl"));
    assertThat(lines).hasSize(3);
    int n = 0;
    for (String line : lines) {
      JsonNode rec = JSON.readTree(line);
      // The Qwen3 fixture was rendered with enable_thinking=False (its generation prompt carries the
      // empty <think></think> block that only that setting writes); Llama 3's template has no such switch.
      Map<String, Object> extra = family.equals("qwen3") ? Map.of("enable_thinking", false) : Map.of();
      String got = t.render(messages(rec.get("messages")), rec.get("add_generation_prompt").asBoolean(), extra);
      assertThat(got).as(family + " conversation " + (++n)).isEqualTo(rec.get("text").asText());
    }
  }

  /**
   * The rendered text, tokenised as transformers' {@code apply_chat_template(tokenize=True)} does
   * (the checkpoint's tokenizer.json, no added BOS/EOS: the template writes its own), gives exactly
   * the fixture's ids, for every conversation.
   */
  @ParameterizedTest
  @ValueSource(strings = {"llama3", "qwen3"})
  void tokenisesEveryFixtureConversationToTheFixtureIds(String family) throws Exception {
    ChatTemplate t = ChatTemplate.fromDirectory(resource("tiny-" + family));
    Map<String, Object> extra = family.equals("qwen3") ? Map.of("enable_thinking", false) : Map.of();
    int n = 0;
    try (io.cohort.lm.tokenizer.HfTokenizer tok = io.cohort.lm.tokenizer.HfTokenizer.fromDirectory(
        Path.of("..", "examples", "llama", "tiny-" + family), 0)) {
      for (String line : Files.readAllLines(resource(family + ".jsonl"))) {
        JsonNode rec = JSON.readTree(line);
        String text = t.render(messages(rec.get("messages")), rec.get("add_generation_prompt").asBoolean(), extra);
        int[] expected = JSON.treeToValue(rec.get("ids"), int[].class);
        assertThat(tok.encodeWithoutSpecialTokens(text)).as(family + " conversation " + (++n)).containsExactly(expected);
      }
    }
    assertThat(n).isEqualTo(3);
  }

  @Test
  void endOfTurnIsTheTemplatesOwn() throws Exception {
    assertThat(ChatTemplate.fromDirectory(resource("tiny-llama3")).endOfTurn()).isEqualTo("<|eot_id|>");
    assertThat(ChatTemplate.fromDirectory(resource("tiny-qwen3")).endOfTurn()).isEqualTo("<|im_end|>");
    assertThat(ChatTemplate.gpt2Default().endOfTurn()).isEqualTo("<|endoftext|>");
  }

  @Test
  void defaultTemplateRendersTheDocumentedLayout() {
    ChatTemplate t = ChatTemplate.gpt2Default();
    List<ChatMessage> m = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Topic?"),
        ChatMessage.assistant("grain"), ChatMessage.user("Sure?"));
    assertThat(t.render(m, true)).isEqualTo("Be brief.\n\nUser: Topic?\nAssistant: grain<|endoftext|>\nUser: Sure?\n"
        + "Assistant:");
    assertThat(t.render(m.subList(0, 3), false)).isEqualTo(
        "Be brief.\n\nUser: Topic?\nAssistant: grain<|endoftext|>\n");
  }

  @Test
  void raiseExceptionFailsWithTheTemplatesMessage() {
    ChatTemplate t = ChatTemplate.gpt2Default();
    assertThatThrownBy(() -> t.render(List.of(new ChatMessage("tool", "x")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("Unknown role: tool");
  }

  @Test
  void pythonStringMethodsBehaveAsInPython() {
    ChatTemplate t = ChatTemplate.of("{{ messages[0].content.split('</think>')[-1].lstrip('\\n') }}|"
        + "{{ messages[0].content.startswith('<think>') }}|{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|"
        + "{{ 'a  b'.split()|length }}|{{ 'a,,b'.split(',')|length }}", null, "</s>");
    assertThat(t.render(List.of(ChatMessage.user("<think>r</think>\n\nanswer")), false))
        .isEqualTo("answer|true|a b|a|2|3");
  }

  @Test
  void keywordArgumentValuesWithOperatorsAndReversingSlicesMeanWhatJinja2Means() {
    ChatTemplate t = ChatTemplate.of("{% set ns = namespace(found=false, last=messages|length - 1) %}{{ ns.last }}|"
        + "{% for m in messages[::-1] %}{{ m.content }}{% endfor %}|{{ 'a=b' }}|{{ 1 == 1 }}", null, "</s>");
    assertThat(t.render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b"), ChatMessage.user("c")), false))
        .isEqualTo("2|cba|a=b|true");
  }

  /** Unsupported constructs fail with a message naming the problem, never with partial or wrong text. */
  @ParameterizedTest
  @ValueSource(strings = {
      // transformers' own {% generation %} extension tag (assistant masks), unknown to plain Jinja engines
      "{% for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}{% endfor %}",
      // a Python string method the engine does not provide
      "{{ messages[0].content.zfill(5) }}",
      // an unknown filter
      "{{ messages[0].content | no_such_filter }}",
      // an unknown test (Jinjava would render it as nothing)
      "{% if messages[0].content is no_such_test %}x{% endif %}",
      // an extended slice other than [::-1]
      "{% for m in messages[::2] %}{{ m.content }}{% endfor %}",
      // a syntax error
      "{% for m in messages %}{{ m.content }}"})
  void unsupportedTemplateFailsClearly(String source) {
    ChatTemplate t = ChatTemplate.of(source, "<s>", "</s>");
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("hi")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("template");
  }
}
