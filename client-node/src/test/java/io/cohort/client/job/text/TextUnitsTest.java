package io.cohort.client.job.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.lm.data.DataFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19 #2: the person of each JSONL record, and the one-line refusals that name the line, never the value. */
class TextUnitsTest {
  @TempDir Path dir;

  @Test
  void stringsAndIntegersName_thePerson_byLine() throws Exception {
    Path f = Files.writeString(dir.resolve("a.jsonl"), "{\"text\": \"x\", \"pid\": \" p1 \"}\n\n{\"text\": \"y\", \"pid\":"
        + " 42}\n");
    assertThat(TextUnits.read(f, "pid")).isEqualTo(Map.of(1, "p1", 3, "42"));
  }

  @Test
  void aMissingNullOrOtherTypedUnit_isRefusedWithTheLine() throws Exception {
    Path missing = Files.writeString(dir.resolve("m.jsonl"), "{\"pid\": \"p1\"}\n{\"pid\": null}\n");
    assertThatThrownBy(() -> TextUnits.read(missing, "pid")).isInstanceOf(DataFormatException.class)
        .hasMessageContaining("m.jsonl").hasMessageContaining("missing privacy unit")
        .satisfies(e -> assertThat(((DataFormatException) e).line()).isEqualTo(2));
    Path typed = Files.writeString(dir.resolve("t.jsonl"), "{\"pid\": true}\n");
    assertThatThrownBy(() -> TextUnits.read(typed, "pid")).isInstanceOf(DataFormatException.class)
        .hasMessageContaining("field 'pid' (the job's privacy.unit) must be a string or integer")
        .hasMessageContaining("got boolean");
    Path secret = Files.writeString(dir.resolve("s.jsonl"), "{\"pid\": 12.5}\n");
    assertThatThrownBy(() -> TextUnits.read(secret, "pid")).hasMessageContaining("got a fractional number")
        .hasMessageNotContaining("12.5");
  }
}
