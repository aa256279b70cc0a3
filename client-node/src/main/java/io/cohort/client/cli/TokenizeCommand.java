package io.cohort.client.cli;

import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import io.cohort.lm.tokenizer.HfTokenizer;
import io.cohort.lm.tokenizer.TextTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node tokenize --model DIR}: one text per input line, one JSON array of token ids
 * per output line, with the model's GPT-2 tokenizer. For checking what a model will see before
 * training on a dataset; no special tokens are added.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = "Tokenize text with a model's GPT-2 tokenizer: one text per line in, one JSON array of token ids"
        + " per line out.")
final class TokenizeCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "Model folder with tokenizer.json, or vocab.json and merges.txt.")
  Path model;
  @Option(names = "--input", paramLabel = "FILE", description = "Read texts from FILE instead of standard input.")
  Path input;
  @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
      description = "text or json; both print one JSON array of ids per line. Default: ${DEFAULT-VALUE}.")
  String output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (!output.equals("text") && !output.equals("json")) {
      err.println("cohort-node tokenize: --output must be text or json, got " + output);
      return ExitCode.USAGE.code();
    }
    TextTokenizer tokenizer;
    try {
      if (LlamaConfig.isLlamaFamily(model)) {
        // tokenizer.json through Hugging Face's tokenizers: encode(text) with the file's special tokens.
        LlamaConfig c = LlamaConfig.read(model.resolve(LlamaConfig.FILE_NAME));
        tokenizer = HfTokenizer.fromDirectory(model, c.eosTokenId());
      } else {
        tokenizer = Gpt2Tokenizer.fromDirectory(model);
      }
    } catch (CheckpointException e) {
      err.println("cohort-node tokenize: " + e.getMessage());
      return ExitCode.USAGE.code();
    }
    PrintWriter out = spec.commandLine().getOut();
    try (BufferedReader in = input == null
        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(jsonArray(tokenizer.encode(line)));
      }
    } catch (NoSuchFileException e) {
      err.println("cohort-node tokenize: " + input + ": no such file");
      return ExitCode.USAGE.code();
    }
    out.flush();
    return ExitCode.OK.code();
  }

  private static String jsonArray(int[] ids) {
    StringBuilder b = new StringBuilder(ids.length * 6 + 2).append('[');
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(ids[i]);
    }
    return b.append(']').toString();
  }
}
