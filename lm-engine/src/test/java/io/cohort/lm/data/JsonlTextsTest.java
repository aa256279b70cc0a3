package io.cohort.lm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlTextsTest {
  static final Path TRAIN = Path.of("../examples/text/reuters-grain-train.jsonl");
  static final Path TEST = Path.of("../examples/text/reuters-grain-test.jsonl");

  @TempDir Path dir;

  @Test
  void readsTheReutersGrainSplits() throws Exception {
    List<LabeledText> train = JsonlTexts.readClassification(TRAIN);
    assertThat(train).hasSize(1554);
    assertThat(train.stream().filter(r -> r.label() == 1).count()).isEqualTo(103);
    assertThat(JsonlTexts.numClasses(train)).isEqualTo(2);
    assertThat(train.get(0).text()).startsWith("BAHIA COCOA REVIEW");
    assertThat(train.get(0).line()).isEqualTo(1);
    assertThat(JsonlTexts.readClassification(TEST)).hasSize(604);
    assertThat(JsonlTexts.readTexts(TEST)).hasSize(604).first().asString().isNotEmpty();
  }

  @Test
  void configurableFieldsOtherLabelsAndBlankLines() throws Exception {
    Path f = write("{\"body\": \"a\", \"y\": 3, \"extra\": [1]}\n\n  \n{\"y\": 0, \"body\": \"b\"}\n");
    List<LabeledText> r = JsonlTexts.readClassification(f, "body", "y");
    assertThat(r).containsExactly(new LabeledText(1, "a", 3), new LabeledText(4, "b", 0));
    assertThat(JsonlTexts.numClasses(r)).isEqualTo(4);
    assertThat(JsonlTexts.readTexts(f, "body")).containsExactly("a", "b");
  }

  @Test
  void lineThatIsNotJsonNamesFileAndLineButNotTheText() throws Exception {
    Path f = write("{\"text\": \"ok\", \"label\": 0}\n{\"text\": secret diagnosis, \"label\": 1}\n");
    assertThatThrownBy(() -> JsonlTexts.readClassification(f)).isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(f + ":2: not valid JSON").hasMessageNotContaining("secret");
    Path array = write("[\"text\"]\n");
    assertThatThrownBy(() -> JsonlTexts.readTexts(array)).isInstanceOf(DataFormatException.class)
        .hasMessage(array + ":1: expected a JSON object such as {\"text\": \"...\"}, got an array");
    Path twoObjects = write("{\"text\": \"a\"} {\"text\": \"b\"}\n");
    assertThatThrownBy(() -> JsonlTexts.readTexts(twoObjects)).isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(twoObjects + ":1: not valid JSON");
  }

  @Test
  void missingFields() throws Exception {
    Path noText = write("{\"text\": \"a\", \"label\": 1}\n{\"txt\": \"b\", \"label\": 0}\n");
    assertThatThrownBy(() -> JsonlTexts.readClassification(noText)).isInstanceOf(DataFormatException.class)
        .hasMessage(noText + ":2: missing field 'text' (the text, a string)");
    Path noLabel = write("{\"text\": \"a\"}\n");
    assertThatThrownBy(() -> JsonlTexts.readClassification(noLabel)).isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(noLabel + ":1: missing field 'label'");
    assertThat(JsonlTexts.readTexts(noLabel)).containsExactly("a");
  }

  @Test
  void wrongTypes() throws Exception {
    Path textNumber = write("{\"text\": 12, \"label\": 1}\n");
    assertThatThrownBy(() -> JsonlTexts.readClassification(textNumber)).isInstanceOf(DataFormatException.class)
        .hasMessage(textNumber + ":1: field 'text' must be a string, got a number");
    for (String bad : new String[] {"\"1\"", "1.5", "-1", "true", "null", "4294967296"}) {
      Path f = write("{\"text\": \"a\", \"label\": " + bad + "}\n");
      assertThatThrownBy(() -> JsonlTexts.readClassification(f)).as(bad).isInstanceOf(DataFormatException.class)
          .hasMessageStartingWith(f + ":1: field 'label' must be a non-negative integer class index");
    }
  }

  @Test
  void emptyAndMissingFiles() throws Exception {
    Path empty = write("\n\n");
    assertThatThrownBy(() -> JsonlTexts.readTexts(empty)).isInstanceOf(DataFormatException.class)
        .hasMessageContaining("no records");
    Path absent = dir.resolve("absent.jsonl");
    assertThatThrownBy(() -> JsonlTexts.readTexts(absent)).isInstanceOf(DataFormatException.class)
        .hasMessage(absent + ": no such file");
    Path latin1 = dir.resolve("latin1.jsonl");
    Files.write(latin1, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xe9, '"', '}', '\n'});
    assertThatThrownBy(() -> JsonlTexts.readTexts(latin1)).isInstanceOf(DataFormatException.class)
        .hasMessageContaining("not UTF-8");
  }

  private int files;

  private Path write(String content) throws Exception {
    Path f = dir.resolve("data" + files++ + ".jsonl");
    Files.writeString(f, content);
    return f;
  }
}
