package io.cohort.lm.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.cohort.format.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A {@code tokenizer.json} run by Hugging Face's own Rust {@code tokenizers} through DJL's binding
 * ({@code ai.djl.huggingface:tokenizers}, whose jar carries the linux-x86_64 native library), so
 * byte-level BPE (Llama 3, Qwen), SentencePiece-style BPE with byte fallback (Mistral, Llama 2),
 * normalizers, added tokens and the post-processor's template behave exactly as in Python.
 * {@link #encode} adds special tokens as the file's post-processor says, like {@code tokenizer(text)}.
 * Special-token strings written inside the text are matched as special tokens, as Hugging Face does.
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {
  public static final String FILE_NAME = "tokenizer.json";
  /** The {@code model.type} values Hugging Face's tokenizers library implements. */
  static final Set<String> MODEL_TYPES = Set.of("BPE", "Unigram", "WordPiece", "WordLevel");
  private final HuggingFaceTokenizer tokenizer;
  private final int eosId;
  private final Set<String> specialTokens;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, int eosId, Set<String> specialTokens) {
    this.tokenizer = tokenizer;
    this.eosId = eosId;
    this.specialTokens = specialTokens;
  }

  /** The tokenizer.json of a model folder; {@code eosId} is the model's end-of-text id (config.json). */
  public static HfTokenizer fromDirectory(Path dir, int eosId) throws CheckpointException {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      throw new CheckpointException(dir, "has no " + FILE_NAME + " (Llama-family models need the tokenizer.json"
          + " that save_pretrained writes)");
    }
    Set<String> specials = checkModelType(file);
    NativeCache.configure();
    try {
      HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true",
          "truncation", "false", "padding", "false"));
      return new HfTokenizer(t, eosId, specials);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(file, "cannot load the tokenizer: " + e.getMessage(), e);
    }
  }

  /**
   * Names the field when the file's tokenizer model is one the library lacks: the library's own
   * message for it ("data did not match any variant of untagged enum ModelWrapper at line 1 column
   * 9147") names neither. Streams the file: only {@code model.type} and the added tokens are read.
   *
   * @return the contents of the added tokens marked {@code special}
   */
  static Set<String> checkModelType(Path file) throws CheckpointException {
    String type = null;
    Set<String> specials = new java.util.LinkedHashSet<>();
    try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new CheckpointException(file, "is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals("added_tokens") && p.currentToken() == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String content = null;
            boolean special = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              p.nextToken();
              if (f.equals("content") && p.currentToken() == JsonToken.VALUE_STRING) {
                content = p.getText();
              } else if (f.equals("special")) {
                special = p.currentToken() == JsonToken.VALUE_TRUE;
              } else {
                p.skipChildren();
              }
            }
            if (special && content != null && !content.isEmpty()) {
              specials.add(content);
            }
          }
          continue;
        }
        if (!field.equals("model") || p.currentToken() != JsonToken.START_OBJECT) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String inner = p.currentName();
          p.nextToken();
          if (inner.equals("type") && p.currentToken() == JsonToken.VALUE_STRING) {
            type = p.getText();
          }
          p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot be read: " + e.getMessage());
    }
    // A file without model.type is left to the library (older files infer BPE from the fields).
    if (type != null && !MODEL_TYPES.contains(type)) {
      throw new CheckpointException(file, "field model.type is \"" + type + "\", which Hugging Face's tokenizers"
          + " do not implement; supported: BPE, Unigram, WordLevel, WordPiece");
    }
    return java.util.Collections.unmodifiableSet(specials);
  }

  /** The added tokens the file marks special (control tokens such as {@code <|im_start|>}). */
  public Set<String> specialTokens() {
    return specialTokens;
  }

  @Override
  public int[] encode(String text) {
    return toInts(tokenizer.encode(text, true, false));
  }

  /** As {@link #encode} without the post-processor's special tokens ({@code add_special_tokens=False}). */
  public int[] encodeWithoutSpecialTokens(String text) {
    return toInts(tokenizer.encode(text, false, false));
  }

  /**
   * As {@link #encodeWithoutSpecialTokens}; {@code byteSpans} receives each token's [start, end)
   * UTF-8 byte offsets in {@code text} (a token that is part of one character, e.g. half of an
   * emoji under byte-level BPE, spans the whole character).
   */
  public int[] encodeWithByteSpans(String text, java.util.List<int[]> byteSpans) {
    Encoding e = tokenizer.encode(text, false, false);
    int[] ids = toInts(e);
    // The library reports offsets in Unicode code points; map them to UTF-8 bytes.
    int cps = text.codePointCount(0, text.length());
    int[] cpToByte = new int[cps + 1];
    int b = 0;
    int i = 0;
    for (int c = 0; c < cps; c++) {
      cpToByte[c] = b;
      int cp = text.codePointAt(i);
      b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += Character.charCount(cp);
    }
    cpToByte[cps] = b;
    ai.djl.huggingface.tokenizers.jni.CharSpan[] spans = e.getCharTokenSpans();
    for (int t = 0; t < ids.length; t++) {
      ai.djl.huggingface.tokenizers.jni.CharSpan s = spans[t];
      byteSpans.add(s == null ? new int[] {0, 0} : new int[] {cpToByte[Math.min(s.getStart(), cps)],
          cpToByte[Math.min(s.getEnd(), cps)]});
    }
    return ids;
  }

  /** The id of the added token spelled exactly {@code token} (e.g. {@code <|eot_id|>}), or -1. */
  public int specialTokenId(String token) {
    Encoding e = tokenizer.encode(token, false, false);
    String[] tokens = e.getTokens();
    return tokens.length == 1 && tokens[0].equals(token) ? Math.toIntExact(e.getIds()[0]) : -1;
  }

  private static int[] toInts(Encoding e) {
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return tokenizer.decode(l, false);
  }

  @Override
  public int eosId() {
    if (eosId < 0) {
      throw new IllegalStateException("config.json names no eos_token_id");
    }
    return eosId;
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  /**
   * DJL extracts its native library from the jar into a cache folder and would download it if the jar
   * lacked it; point the cache at a folder we own unless the user chose one, and forbid downloads.
   */
  static final class NativeCache {
    private NativeCache() {
    }

    static synchronized void configure() {
      if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
        System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("java.io.tmpdir"),
            "cohort-djl-" + System.getProperty("user.name")).toString());
      }
      System.setProperty("ai.djl.offline", "true");
    }
  }
}
