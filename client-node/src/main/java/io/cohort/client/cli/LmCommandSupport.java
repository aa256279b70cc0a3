package io.cohort.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.data.LabeledText;
import io.cohort.lm.data.TextBatcher;
import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.tokenizer.HfTokenizer;
import io.cohort.lm.tokenizer.TextTokenizer;
import io.cohort.lm.model.Blas;
import io.cohort.lm.model.Parallel;
import io.cohort.lm.model.Precision;
import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What {@code train} and {@code eval} share: loading a model and its tokenizer, reading JSONL, tokenising. */
final class LmCommandSupport {
  static final String SEQ_CLS = "seq-cls";
  static final String CAUSAL_LM = "causal-lm";
  /** Supervised fine-tuning on chat JSONL with the assistant-only loss (io.cohort.lm.chat). */
  static final String CHAT_SFT = "chat-sft";
  /** Written beside the PEFT files: what PEFT has no field for (pooling) and the run's privacy plan. */
  static final String TRAINING_FILE = "cohort_training.json";
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Bad input with a one-line message for the user. */
  static final class BadInput extends Exception {
    private static final long serialVersionUID = 1L;

    BadInput(String message) {
      super(message);
    }
  }

  /**
   * A loaded base model with its tokenizer: GPT-2 ({@code checkpoint} set) or the Llama family
   * ({@code llama} set).
   */
  record Loaded(LanguageModel model, TextTokenizer tokenizer, Checkpoint checkpoint, LlamaCheckpoint llama) {
  }

  private LmCommandSupport() {
  }

  /** Sets the engine's precision for this process before the model loads ({@code --precision}). */
  static void precision(String value) throws BadInput {
    try {
      Blas.setPrecision(Precision.parse(value));
    } catch (IllegalArgumentException e) {
      throw new BadInput("--precision must be fp32, bf16 or auto, got '" + value + "'");
    }
  }

  static void threads(Integer threads) throws BadInput {
    if (threads != null) {
      if (threads < 1) {
        throw new BadInput("--threads must be >= 1, got " + threads);
      }
      Parallel.setThreads(threads);
    } else {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
  }

  /** Loads a model folder, choosing the family by config.json's model_type (gpt2, or llama/mistral/qwen2/qwen3). */
  static Loaded load(Path dir) throws IOException, BadInput {
    if (LlamaConfig.isLlamaFamily(dir)) {
      LlamaCheckpoint lc = LlamaCheckpoint.load(dir);
      LlamaModel lm;
      try {
        lm = LlamaModel.fromCheckpoint(lc);
      } catch (IllegalArgumentException e) {
        throw new BadInput(e.getMessage());
      }
      return new Loaded(lm, HfTokenizer.fromDirectory(dir, lc.config().eosTokenId()), null, lc);
    }
    Checkpoint c = Checkpoint.load(dir);
    Gpt2Model m;
    try {
      m = Gpt2Model.fromCheckpoint(c);
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage());
    }
    return new Loaded(m, Gpt2Tokenizer.fromDirectory(dir), c, null);
  }

  static void checkTask(String task) throws BadInput {
    if (!task.equals(SEQ_CLS) && !task.equals(CAUSAL_LM) && !task.equals(CHAT_SFT)) {
      throw new BadInput("--task must be " + SEQ_CLS + ", " + CAUSAL_LM + " or " + CHAT_SFT + ", got " + task);
    }
  }

  /**
   * Chat JSONL encoded with the model's chat template (tokenizer_config.json's chat_template; GPT-2
   * without one: the documented default) and assistant masks.
   */
  static io.cohort.lm.chat.ChatSft.Prepared chat(Path data, Path modelDir, Loaded loaded, int maxLength)
      throws IOException, BadInput {
    requireFile(data);
    io.cohort.lm.chat.ChatEncoder enc = chatEncoder(modelDir, loaded, maxLength);
    return io.cohort.lm.chat.ChatSft.prepare(io.cohort.lm.chat.ChatJsonl.read(data), enc);
  }

  static io.cohort.lm.chat.ChatEncoder chatEncoder(Path modelDir, Loaded loaded, int maxLength)
      throws IOException, BadInput {
    return new io.cohort.lm.chat.ChatEncoder(io.cohort.lm.chat.ChatTemplate.fromDirectory(modelDir),
        io.cohort.lm.chat.ChatEncoder.of(loaded.tokenizer()), maxLength);
  }

  static void checkMaxLength(int maxLength, LanguageModel model) throws BadInput {
    if (maxLength < 2 || maxLength > model.maxPositions()) {
      throw new BadInput("--max-length must be in [2, " + model.maxPositions() + "] (the model's positions),"
          + " got " + maxLength);
    }
  }

  /** Classification records, tokenised and truncated. */
  static List<LabeledText> classification(Path data) throws IOException, BadInput {
    requireFile(data);
    List<LabeledText> records = JsonlTexts.readClassification(data);
    if (records.isEmpty()) {
      throw new BadInput(data + ": no records");
    }
    return records;
  }

  static List<String> texts(Path data) throws IOException, BadInput {
    requireFile(data);
    List<String> texts = JsonlTexts.readTexts(data);
    if (texts.isEmpty()) {
      throw new BadInput(data + ": no records");
    }
    return texts;
  }

  static void requireFile(Path p) throws BadInput {
    if (!Files.isRegularFile(p)) {
      throw new BadInput(p + ": no such file");
    }
  }

  static List<int[]> tokenize(TextBatcher batcher, List<String> texts) {
    return batcher.tokenizeAll(texts);
  }

  static List<String> textsOf(List<LabeledText> records) {
    List<String> t = new ArrayList<>(records.size());
    for (LabeledText r : records) {
      t.add(r.text());
    }
    return t;
  }

  static int[] labelsOf(List<LabeledText> records) {
    int[] l = new int[records.size()];
    for (int i = 0; i < l.length; i++) {
      l[i] = records.get(i).label();
    }
    return l;
  }
}
