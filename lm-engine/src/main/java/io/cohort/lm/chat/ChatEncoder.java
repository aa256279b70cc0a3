package io.cohort.lm.chat;

import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import io.cohort.lm.tokenizer.HfTokenizer;
import io.cohort.lm.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns conversations into token ids and an assistant-only loss mask.
 *
 * <p>The conversation is rendered once with its chat template; the rendered text is tokenised
 * whole (the template's special tokens, e.g. {@code <|endoftext|>}, {@code <|eot_id|>}, become their
 * ids; the text between them goes through the ordinary tokenizer), so training sees exactly the
 * ids generation will see. Then each assistant turn's content is located in the rendered text by
 * character offset (messages in order, each searched after the previous one; a template that trims
 * content is matched by the trimmed content), extended over the end-of-turn token that follows it
 * ({@link ChatTemplate#endOfTurn()}, only whitespace between), and mapped to tokens through each
 * token's byte span: a token is an assistant token when its bytes overlap an assistant span. (With
 * GPT-2's default template the space after {@code "Assistant:"} is part of the answer's first word
 * token, so that token counts.) {@code mask[t]} says whether token {@code t} is a target the loss
 * counts, i.e. the prediction made at position {@code t - 1}.
 *
 * <p>Truncation policy: right truncation to {@code maxLength} tokens, as for plain text. A
 * conversation with no assistant token left within the first {@code maxLength} tokens is refused
 * (its line is named). No packing: one conversation per sequence (see docs/model-engine.md).
 *
 * <p>Message text containing one of the template's special-token strings, or (tokenizer.json) any
 * added token the file marks special, is refused: it would be read as that control token and could
 * forge turn boundaries.
 */
public final class ChatEncoder {
  /** What the encoder needs of a tokenizer. */
  public interface Tokens {
    /** Ids of plain text (no special tokens recognised). */
    int[] encode(String text);

    /** The UTF-8 bytes a token stands for (needed unless {@link #encode(String, List)} is overridden). */
    default byte[] tokenBytes(int id) {
      throw new UnsupportedOperationException("token bytes");
    }

    /** {@link #encode(String)}; {@code byteSpans} receives each token's [start, end) UTF-8 byte offsets in {@code text}. */
    default int[] encode(String text, List<int[]> byteSpans) {
      int[] ids = encode(text);
      int b = 0;
      for (int id : ids) {
        int len = tokenBytes(id).length;
        byteSpans.add(new int[] {b, b + len});
        b += len;
      }
      return ids;
    }

    /** The id of a special token spelled {@code token}, or -1. */
    int specialId(String token);

    /**
     * Every control token the tokenizer reads as one id wherever it appears in text (a
     * tokenizer.json's special added tokens), so message text must not contain them.
     */
    default java.util.Set<String> controlTokens() {
      return java.util.Set.of();
    }
  }

  /** One encoded conversation: ids and the loss mask ({@code mask[t]}: token t is an assistant target). */
  public record Encoded(int[] ids, boolean[] mask) {
    public int targets() {
      int n = 0;
      for (int t = 1; t < mask.length; t++) {
        n += mask[t] ? 1 : 0;
      }
      return n;
    }
  }

  private final ChatTemplate template;
  private final Tokens tokens;
  private final int maxLength;
  private final List<String> specials = new ArrayList<>();
  private final List<Integer> specialIds = new ArrayList<>();

  public ChatEncoder(ChatTemplate template, Tokens tokens, int maxLength) {
    if (maxLength < 2) {
      throw new IllegalArgumentException("max length must be >= 2, got " + maxLength);
    }
    this.template = template;
    this.tokens = tokens;
    this.maxLength = maxLength;
    for (String s : template.specialTokens()) {
      int id = tokens.specialId(s);
      if (id >= 0) {
        specials.add(s);
        specialIds.add(id);
      }
    }
  }

  /** GPT-2's byte-level BPE, whose only special token is {@code <|endoftext|>}. */
  public static Tokens gpt2(Gpt2Tokenizer t) {
    return new Tokens() {
      @Override
      public int[] encode(String text) {
        return t.encode(text);
      }

      @Override
      public byte[] tokenBytes(int id) {
        return t.tokenBytes(id);
      }

      @Override
      public int specialId(String token) {
        return Gpt2Tokenizer.EOS_TOKEN.equals(token) ? t.eosId() : -1;
      }
    };
  }

  /**
   * A tokenizer.json (Llama 3, Qwen, Mistral) through Hugging Face's tokenizers: plain text without
   * added BOS/EOS (the template writes its own, as {@code apply_chat_template} tokenises), token
   * spans from the library's offsets, special tokens by their added-token spelling.
   */
  public static Tokens hf(HfTokenizer t) {
    return new Tokens() {
      @Override
      public int[] encode(String text) {
        return t.encodeWithoutSpecialTokens(text);
      }

      @Override
      public int[] encode(String text, List<int[]> byteSpans) {
        return t.encodeWithByteSpans(text, byteSpans);
      }

      @Override
      public int specialId(String token) {
        return t.specialTokenId(token);
      }

      @Override
      public java.util.Set<String> controlTokens() {
        return t.specialTokens();
      }
    };
  }

  /** The chat view of a model's tokenizer: {@link #gpt2} or {@link #hf}. */
  public static Tokens of(TextTokenizer t) {
    if (t instanceof Gpt2Tokenizer g) {
      return gpt2(g);
    }
    if (t instanceof HfTokenizer h) {
      return hf(h);
    }
    throw new IllegalArgumentException("no chat encoding for tokenizer " + t.getClass().getSimpleName());
  }

  public ChatTemplate template() {
    return template;
  }

  public int maxLength() {
    return maxLength;
  }

  /** The id generation stops on besides EOS: the template's end-of-turn token, or -1. */
  public int endOfTurnId() {
    return tokens.specialId(template.endOfTurn());
  }

  /** A training conversation: ids truncated to the maximum length and its assistant mask. */
  public Encoded encode(Conversation c) {
    checkContents(c);
    String text = template.render(c.messages(), false);
    List<int[]> spans = assistantSpans(c, text);
    List<int[]> tokenBytes = new ArrayList<>();
    int[] ids = encodeText(text, tokenBytes);
    int[] charToByte = charToByte(text);
    boolean[] mask = new boolean[ids.length];
    for (int t = 0; t < ids.length; t++) {
      int b0 = tokenBytes.get(t)[0];
      int b1 = tokenBytes.get(t)[1];
      for (int[] s : spans) {
        if (b0 < charToByte[s[1]] && b1 > charToByte[s[0]]) {
          mask[t] = true;
          break;
        }
      }
    }
    int n = Math.min(ids.length, maxLength);
    Encoded e = new Encoded(Arrays.copyOf(ids, n), Arrays.copyOf(mask, n));
    if (e.targets() == 0) {
      boolean anyAtAll = false;
      for (int t = 1; t < mask.length; t++) {
        anyAtAll |= mask[t];
      }
      throw new IllegalArgumentException(c.where() + (anyAtAll ? "too long: no assistant token within the first "
          + maxLength + " tokens (max length; the conversation has " + ids.length + ")"
          : "no assistant token to learn from after rendering"));
    }
    return e;
  }

  /** The prompt ids for generation: {@code messages} rendered with the generation prompt. */
  public int[] encodePrompt(List<ChatMessage> messages) {
    checkContents(new Conversation(messages, "", 0));
    return encodeText(template.render(messages, true), null);
  }

  private void checkContents(Conversation c) {
    for (int i = 0; i < c.messages().size(); i++) {
      String content = c.messages().get(i).content();
      for (String s : specials) {
        if (content.contains(s)) {
          throw new IllegalArgumentException(c.where() + "messages[" + i + "].content contains the special token " + s
              + ", which the chat template uses as a control token; remove it from the data");
        }
      }
      for (String s : tokens.controlTokens()) {
        if (content.contains(s)) {
          throw new IllegalArgumentException(c.where() + "messages[" + i + "].content contains the special token "
              + s + ", which the tokenizer reads as a control token (it could forge a turn boundary); remove it"
              + " from the data");
        }
      }
      if (c.messages().get(i).isAssistant() && content.isEmpty()) {
        throw new IllegalArgumentException(c.where() + "messages[" + i + "] is an empty assistant turn; nothing to"
            + " learn from");
      }
    }
  }

  /** [start, end) character spans of each assistant turn's content plus its end-of-turn token. */
  private List<int[]> assistantSpans(Conversation c, String text) {
    List<int[]> spans = new ArrayList<>();
    int cursor = 0;
    String eot = template.endOfTurn();
    List<ChatMessage> ms = c.messages();
    for (int i = 0; i < ms.size(); i++) {
      ChatMessage m = ms.get(i);
      String content = m.content();
      int at = content.isEmpty() ? -1 : text.indexOf(content, cursor);
      if (at < 0) {
        String trimmed = content.strip();
        content = trimmed;
        at = trimmed.isEmpty() ? -1 : text.indexOf(trimmed, cursor);
      }
      if (at < 0) {
        if (m.isAssistant()) {
          throw new IllegalArgumentException(c.where() + "the chat template does not write messages[" + i
              + "]'s content as it is, so its tokens cannot be found for the assistant-only loss");
        }
        continue;
      }
      int end = at + content.length();
      cursor = end;
      if (m.isAssistant()) {
        if (eot != null) {
          int e = text.indexOf(eot, end);
          if (e >= 0 && text.substring(end, e).isBlank()) {
            end = e + eot.length();
          }
        }
        spans.add(new int[] {at, end});
      }
    }
    return spans;
  }

  /** Ids of rendered text, special tokens recognised; {@code spans} (if not null) gets each token's [byte start, end). */
  int[] encodeText(String text, List<int[]> spans) {
    List<Integer> out = new ArrayList<>();
    int pos = 0;
    int bytePos = 0;
    while (pos < text.length()) {
      int next = -1;
      int which = -1;
      for (int s = 0; s < specials.size(); s++) {
        int at = text.indexOf(specials.get(s), pos);
        if (at >= 0 && (next < 0 || at < next)) {
          next = at;
          which = s;
        }
      }
      String chunk = next < 0 ? text.substring(pos) : text.substring(pos, next);
      if (!chunk.isEmpty()) {
        List<int[]> local = new ArrayList<>();
        for (int id : spans == null ? tokens.encode(chunk) : tokens.encode(chunk, local)) {
          out.add(id);
        }
        if (spans != null) {
          for (int[] sp : local) {
            spans.add(new int[] {bytePos + sp[0], bytePos + sp[1]});
          }
        }
        bytePos += chunk.getBytes(StandardCharsets.UTF_8).length;
      }
      if (next < 0) {
        break;
      }
      out.add(specialIds.get(which));
      int len = specials.get(which).getBytes(StandardCharsets.UTF_8).length;
      if (spans != null) {
        spans.add(new int[] {bytePos, bytePos + len});
      }
      bytePos += len;
      pos = next + specials.get(which).length();
    }
    int[] ids = new int[out.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = out.get(i);
    }
    return ids;
  }

  private static int[] charToByte(String text) {
    int[] out = new int[text.length() + 1];
    int b = 0;
    for (int i = 0; i < text.length(); i++) {
      out[i] = b;
      char ch = text.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        out[i + 1] = b;
        b += 4;
        i++;
      } else {
        b += ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3;
      }
    }
    out[text.length()] = b;
    return out;
  }
}
