package io.cohort.client.job.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.lm.data.DataFormatException;
import io.cohort.lm.data.JsonLines;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Issue 19 #2 for text records: the person each JSONL record belongs to, from the record's field named by
 * {@code privacy.unit} (a string or an integer). A record without one is refused with the file and line, as a
 * CSV row without its unit column is; the value itself never appears in a message.
 */
final class TextUnits {
  private TextUnits() {}

  /** Each record's unit by its line in {@code file}. */
  static Map<Integer, String> read(Path file, String field) throws DataFormatException {
    Map<Integer, String> byLine = new HashMap<>();
    JsonLines.forEach(file, "each line must be one JSON object", (line, node) -> {
      JsonNode v = node == null || !node.isObject() ? null : node.get(field);
      String unit = v == null || v.isNull() ? "" : v.isTextual() ? v.textValue().strip()
          : v.isIntegralNumber() ? v.asText() : null;
      if (unit == null) {
        // The JSON type only, never the value.
        String problem = "field '" + field + "' (the job's privacy.unit) must be a string or integer that names the"
            + " person the record belongs to, got " + (v.isNumber() ? "a fractional number" : v.getNodeType()
                .toString().toLowerCase(java.util.Locale.ROOT));
        throw new DataFormatException(file, line, problem, problem);
      }
      if (unit.isEmpty()) {
        String problem = "missing privacy unit: every record needs field '" + field + "' (the job's privacy.unit), a"
            + " string or integer that names the person the record belongs to";
        throw new DataFormatException(file, line, problem, problem);
      }
      byLine.put(line, unit);
    });
    return byLine;
  }
}
