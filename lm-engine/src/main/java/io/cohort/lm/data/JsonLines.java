package io.cohort.lm.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a JSON Lines file (UTF-8, one JSON document per line, blank lines skipped) for the text and
 * chat data formats, with errors that name the file and line but never quote the line: the
 * parser's own message would repeat the input, which may be private text.
 */
public final class JsonLines {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonLines() {}

  /** What a format does with each parsed line. */
  @FunctionalInterface
  public interface LineHandler {
    void accept(int line, JsonNode node) throws DataFormatException;
  }

  /**
   * Parses every non-blank line of {@code file} and hands it to {@code handler}.
   *
   * @param shape what a line must look like, appended to the "not valid JSON" error
   * @return the number of lines handed over
   */
  public static int forEach(Path file, String shape, LineHandler handler) throws DataFormatException {
    int records = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int line = 0;
      while ((text = r.readLine()) != null) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          long column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
          throw new DataFormatException(file, line, "not valid JSON" + (column > 0 ? " (at column " + column + ")" : "")
              + "; " + shape);
        }
        handler.accept(line, node);
        records++;
      }
    } catch (DataFormatException e) {
      throw e;
    } catch (NoSuchFileException e) {
      throw new DataFormatException(file, "no such file", e);
    } catch (CharacterCodingException e) {
      throw new DataFormatException(file, "not UTF-8 text", e);
    } catch (IOException e) {
      throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
    }
    return records;
  }
}
