package io.cohort.lm.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.cohort.format.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
  private final HuggingFaceTokenizer tokenizer;
  private final int eosId;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, int eosId) {
    this.tokenizer = tokenizer;
    this.eosId = eosId;
  }

  /** The tokenizer.json of a model folder; {@code eosId} is the model's end-of-text id (config.json). */
  public static HfTokenizer fromDirectory(Path dir, int eosId) throws CheckpointException {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      throw new CheckpointException(dir, "has no " + FILE_NAME + " (Llama-family models need the tokenizer.json"
          + " that save_pretrained writes)");
    }
    NativeCache.configure();
    try {
      HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true",
          "truncation", "false", "padding", "false"));
      return new HfTokenizer(t, eosId);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(file, "cannot load the tokenizer: " + e.getMessage(), e);
    }
  }

  @Override
  public int[] encode(String text) {
    return toInts(tokenizer.encode(text, true, false));
  }

  /** As {@link #encode} without the post-processor's special tokens ({@code add_special_tokens=False}). */
  public int[] encodeWithoutSpecialTokens(String text) {
    return toInts(tokenizer.encode(text, false, false));
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
