package io.cohort.lm.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.lm.data.DataFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatJsonlTest {
  @TempDir
  Path dir;

  @Test
  void readsMessagesAndPromptCompletionPairs() throws Exception {
    Path f = dir.resolve("good.jsonl");
    Files.writeString(f, """
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Topic?"}, {"role": "assistant", "content": "grain"}], "id": 7}

        {"prompt": "Topic?", "completion": "wheat", "system": "Answer in one word."}
        {"prompt": "Topic?", "completion": "corn"}
        """);
    List<Conversation> cs = ChatJsonl.read(f);
    assertThat(cs).hasSize(3);
    assertThat(cs.get(0).messages()).containsExactly(ChatMessage.system("Be brief."), ChatMessage.user("Topic?"),
        ChatMessage.assistant("grain"));
    assertThat(cs.get(1).line()).isEqualTo(3);
    assertThat(cs.get(1).messages()).containsExactly(ChatMessage.system("Answer in one word."),
        ChatMessage.user("Topic?"), ChatMessage.assistant("wheat"));
    assertThat(cs.get(2).messages()).containsExactly(ChatMessage.user("Topic?"), ChatMessage.assistant("corn"));
    assertThat(cs.get(2).prompt()).containsExactly(ChatMessage.user("Topic?"));
    assertThat(cs.get(2).lastAnswer()).isEqualTo("corn");
  }

  /** Each bad line of bad-chat.jsonl, alone after a good line, gives one message naming file, line and problem. */
  @Test
  void everyBadLineIsNamedByFileLineAndProblem() throws Exception {
    List<String> lines = Files.readAllLines(Path.of(getClass().getResource("/chat/bad-chat.jsonl").toURI()));
    String[] expected = {
        null,
        ":2: no assistant turn",
        ":2: messages[0].role is not one of system, user, assistant (got a role of 5 characters: 'robot')",
        ":2: messages[1].content must be a string, got a number",
        ":2: not valid JSON (at column",
        ":2: field 'completion' must be a string, got a number",
        ":2: has both 'messages' and 'prompt'/'completion'",
        ":2: field 'messages' must be a non-empty array",
        ":2: expected a JSON object, got an array",
        ":2: missing field 'messages' (or 'prompt' and 'completion')"};
    for (int i = 1; i < lines.size(); i++) {
      Path f = dir.resolve("bad" + i + ".jsonl");
      Files.write(f, List.of(lines.get(0), lines.get(i)));
      assertThatThrownBy(() -> ChatJsonl.read(f)).as("bad line " + (i + 1))
          .isInstanceOf(DataFormatException.class)
          .hasMessageStartingWith(f + expected[i])
          .hasMessageNotContaining("broken").hasMessageNotContaining("Only a question")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void emptyFileAndMissingFileAreNamed() throws Exception {
    Path f = dir.resolve("empty.jsonl");
    Files.writeString(f, "\n\n");
    assertThatThrownBy(() -> ChatJsonl.read(f)).hasMessageStartingWith(f + ": no conversations");
    assertThatThrownBy(() -> ChatJsonl.read(dir.resolve("nope.jsonl"))).hasMessageContaining("no such file");
  }
}
