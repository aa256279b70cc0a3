package io.cohort.lm.data;



import com.fasterxml.jackson.databind.JsonNode;







import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads JSON Lines text datasets: one JSON object per line, blank lines ignored. Sequence
 * classification reads {@code {"text": ..., "label": <int>}}, causal LM reads {@code {"text": ...}};
 * the field names are configurable and other fields are ignored. Every problem is reported with
 * the file, the 1-based line number and what would be valid.
 */
public final class JsonlTexts {
  public static final String DEFAULT_TEXT_FIELD = "text";
  public static final String DEFAULT_LABEL_FIELD = "label";

  private JsonlTexts() {}

  /** {@code {"text", "label"}} records with the default field names. */
  public static List<LabeledText> readClassification(Path file) throws DataFormatException {
    return readClassification(file, DEFAULT_TEXT_FIELD, DEFAULT_LABEL_FIELD);
  }

  /** Records with a string field {@code textField} and a non-negative integer field {@code labelField}. */
  public static List<LabeledText> readClassification(Path file, String textField, String labelField)
      throws DataFormatException {
    List<LabeledText> out = new ArrayList<>();
    forEachObject(file, (line, obj) -> {
      String text = text(file, line, obj, textField);
      JsonNode label = obj.get(labelField);
      if (label == null) {
        throw new DataFormatException(file, line, "missing field '" + labelField + "' (the class label, an integer"
            + " such as 0 or 1)");
      }
      if (!label.isIntegralNumber() || !label.canConvertToInt() || label.intValue() < 0) {
        throw new DataFormatException(file, line, "field '" + labelField + "' must be a non-negative integer class"
            + " index such as 0 or 1, got " + (label.isNumber() ? label.toString() : kind(label)));
      }
      out.add(new LabeledText(line, text, label.intValue()));
    });
    return out;
  }

  /** The {@code "text"} of every record, for causal language modelling. */
  public static List<String> readTexts(Path file) throws DataFormatException {
    return readTexts(file, DEFAULT_TEXT_FIELD);
  }

  public static List<String> readTexts(Path file, String textField) throws DataFormatException {
    List<String> out = new ArrayList<>();
    forEachObject(file, (line, obj) -> out.add(text(file, line, obj, textField)));
    return out;
  }

  /** The number of classes a classifier needs: one more than the largest label. */
  public static int numClasses(List<LabeledText> records) {
    int max = -1;
    for (LabeledText r : records) {
      max = Math.max(max, r.label());
    }
    return max + 1;
  }

  private interface RecordHandler {
    void accept(int line, JsonNode object) throws DataFormatException;
  }

  private static void forEachObject(Path file, RecordHandler handler) throws DataFormatException {
    int records = JsonLines.forEach(file, "each line must be one JSON object such as {\"text\": \"...\"}",
        (line, node) -> {
          if (node == null || !node.isObject()) {
            throw new DataFormatException(file, line, "expected a JSON object such as {\"text\": \"...\"}, got "
                + kind(node));
          }
          handler.accept(line, node);
        });
    if (records == 0) {
      throw new DataFormatException(file, 0, "no records; expected one JSON object per line");
    }
  }

  private static String text(Path file, int line, JsonNode obj, String field) throws DataFormatException {
    JsonNode t = obj.get(field);
    if (t == null) {
      throw new DataFormatException(file, line, "missing field '" + field + "' (the text, a string)");
    }
    if (!t.isTextual()) {
      throw new DataFormatException(file, line, "field '" + field + "' must be a string, got " + kind(t));
    }
    return t.textValue();
  }

  /** Messages name the JSON type, never the value: a record may be private text. */
  private static String kind(JsonNode n) {
    if (n == null || n.isNull()) {
      return "null";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isNumber()) {
      return "a number";
    }
    if (n.isBoolean()) {
      return "true/false";
    }
    return n.isArray() ? "an array" : "an object";
  }
}
