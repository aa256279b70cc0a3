package io.cohort.lm.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.lm.data.DataFormatException;
import io.cohort.lm.data.JsonLines;

import java.io.IOException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads chat data: JSON Lines, UTF-8, one conversation per line, blank lines skipped, other fields
 * ignored. A line is either
 * <ul>
 *   <li>{@code {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}} (Hugging
 *       Face datasets' and OpenAI's fine-tuning convention), with at least one assistant turn; or</li>
 *   <li>{@code {"prompt": "...", "completion": "..."}}, read as one user turn and one assistant turn
 *       (with an optional {@code "system"} string before them).</li>
 * </ul>
 * The first bad line stops the read with a {@link DataFormatException} naming the file, the line and
 * the problem, never quoting the record's text (it may be private).
 */
public final class ChatJsonl {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final String SHAPES = "each line must be {\"messages\": [{\"role\": ..., \"content\": ...}, ...]}"
      + " or {\"prompt\": ..., \"completion\": ...}";

  private ChatJsonl() {
  }

  public static List<Conversation> read(Path file) throws DataFormatException {
    List<Conversation> out = new ArrayList<>();
    JsonLines.forEach(file, SHAPES, (line, node) -> out.add(new Conversation(parse(file, line, node), file.toString(),
        line)));
    if (out.isEmpty()) {
      throw new DataFormatException(file, 0, "no conversations; " + SHAPES);
    }
    return out;
  }

  /**
   * The messages of a prompt file for generation: one JSON document, either
   * {@code {"messages": [...]}} or the array itself; roles as in training data, no assistant turn
   * required.
   */
  public static List<ChatMessage> readPrompt(Path file) throws DataFormatException {
    JsonNode node;
    try {
      node = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new DataFormatException(file, "no such file", e);
    } catch (JsonProcessingException e) {
      long column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
      long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new DataFormatException(file, (int) Math.max(0, line), "not valid JSON"
          + (column > 0 ? " (at column " + column + ")" : "") + "; expected {\"messages\": [{\"role\": ..., \"content\":"
          + " ...}, ...]} or the array of messages");
    } catch (IOException e) {
      throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
    }
    if (node != null && node.isArray()) {
      com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
      o.set("messages", node);
      node = o;
    }
    return parse(file, 0, node, false);
  }

  /** The messages of one record (already parsed JSON); {@code file}/{@code line} only name it in errors. */
  static List<ChatMessage> parse(Path file, int line, JsonNode node) throws DataFormatException {
    return parse(file, line, node, true);
  }

  private static List<ChatMessage> parse(Path file, int line, JsonNode node, boolean needAssistant)
      throws DataFormatException {
    if (node == null || !node.isObject()) {
      throw new DataFormatException(file, line, "expected a JSON object, got " + kind(node) + "; " + SHAPES);
    }
    JsonNode messages = node.get("messages");
    boolean pair = node.has("prompt") || node.has("completion");
    if (messages != null && pair) {
      throw new DataFormatException(file, line, "has both 'messages' and 'prompt'/'completion'; use one of them");
    }
    List<ChatMessage> out = new ArrayList<>();
    if (messages != null) {
      if (!messages.isArray() || messages.isEmpty()) {
        throw new DataFormatException(file, line, "field 'messages' must be a non-empty array of {\"role\", \"content\"}"
            + " objects, got " + (messages.isArray() ? "an empty array" : kind(messages)));
      }
      int i = 0;
      for (JsonNode m : messages) {
        String where = "messages[" + i + "]";
        if (!m.isObject()) {
          throw new DataFormatException(file, line, where + " must be an object {\"role\", \"content\"}, got " + kind(m));
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
          throw new DataFormatException(file, line, where + ".role must be a string, one of system, user, assistant;"
              + " got " + kind(role));
        }
        if (!ChatMessage.ROLES.contains(role.textValue())) {
          throw new DataFormatException(file, line, where + ".role is not one of system, user, assistant"
              + " (got a role of " + role.textValue().length() + " characters"
              + (role.textValue().length() <= 20 && role.textValue().matches("[A-Za-z_]*") ? ": '" + role.textValue()
                  + "'" : "") + ")");
        }
        JsonNode content = m.get("content");
        if (content == null || !content.isTextual()) {
          throw new DataFormatException(file, line, where + ".content must be a string, got " + kind(content));
        }
        out.add(new ChatMessage(role.textValue(), content.textValue()));
        i++;
      }
    } else if (pair) {
      JsonNode system = node.get("system");
      if (system != null && !system.isTextual()) {
        throw new DataFormatException(file, line, "field 'system' must be a string, got " + kind(system));
      }
      for (String f : new String[] {"prompt", "completion"}) {
        JsonNode v = node.get(f);
        if (v == null || !v.isTextual()) {
          throw new DataFormatException(file, line, "field '" + f + "' must be a string, got " + kind(v));
        }
      }
      if (system != null) {
        out.add(ChatMessage.system(system.textValue()));
      }
      out.add(ChatMessage.user(node.get("prompt").textValue()));
      out.add(ChatMessage.assistant(node.get("completion").textValue()));
    } else {
      throw new DataFormatException(file, line, "missing field 'messages' (or 'prompt' and 'completion'); " + SHAPES);
    }
    if (needAssistant && out.stream().noneMatch(ChatMessage::isAssistant)) {
      throw new DataFormatException(file, line, "no assistant turn: a training conversation needs at least one"
          + " message with role 'assistant'");
    }
    return out;
  }

  private static String kind(JsonNode n) {
    if (n == null) {
      return "nothing";
    }
    if (n.isNull()) {
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
