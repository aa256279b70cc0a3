package io.cohort.lm.train;

import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.data.LabeledText;
import io.cohort.lm.data.TextBatcher;
import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Benchmark helper (not a test): writes a classification JSONL file as Cohort's trainer sees it, one
 * {@code {"ids": [...], "label": n}} line per record (tokenised, truncated to MAX_LENGTH, no end-of-text),
 * so that {@code bench/model/torch_learning.py} trains PyTorch on exactly the same token ids.
 *
 * <p>Usage: {@code TokenIdsExport MODEL_DIR IN.jsonl MAX_LENGTH OUT.jsonl}
 */
public final class TokenIdsExport {
  private TokenIdsExport() {
  }

  public static void main(String[] args) throws Exception {
    Gpt2Tokenizer tokenizer = Gpt2Tokenizer.fromDirectory(Path.of(args[0]));
    List<LabeledText> records = JsonlTexts.readClassification(Path.of(args[1]));
    TextBatcher batcher = new TextBatcher(tokenizer, Integer.parseInt(args[2]), false, false);
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[3]), StandardCharsets.UTF_8))) {
      for (LabeledText r : records) {
        String ids = Arrays.stream(batcher.tokenize(r.text())).mapToObj(Integer::toString)
            .collect(Collectors.joining(","));
        out.println("{\"ids\": [" + ids + "], \"label\": " + r.label() + "}");
      }
    }
  }
}
