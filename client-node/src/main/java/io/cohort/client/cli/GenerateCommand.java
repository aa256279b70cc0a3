package io.cohort.client.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.client.cli.LmCommandSupport.BadInput;
import io.cohort.client.cli.LmCommandSupport.Loaded;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.lm.chat.ChatEncoder;
import io.cohort.lm.chat.ChatJsonl;
import io.cohort.lm.chat.ChatMessage;
import io.cohort.lm.chat.ChatTemplate;
import io.cohort.lm.generate.Generator;
import io.cohort.lm.generate.Sampler;
import io.cohort.lm.lora.PeftExport;
import io.cohort.lm.model.LanguageModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node generate}: text from a local GPT-2 or Llama-family model (Llama 3, Qwen2/3,
 * Mistral), optionally with a PEFT adapter. The prompt is one user turn ({@code --prompt}) or a
 * conversation ({@code --messages FILE}), rendered with the model's own chat template
 * (tokenizer_config.json; the documented default for GPT-2) and its generation prompt;
 * {@code --raw} continues {@code --prompt} as plain text instead. Tokens stream to standard output
 * as they are chosen; generation stops on EOS or the template's end of turn.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generate text with a local GPT-2 or Llama-family model (optionally with a PEFT adapter), streaming"
        + " tokens as they"
        + " come. Greedy by default; --temperature > 0 samples (seeded).")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder (GPT-2, Llama, Mistral,"
      + " Qwen2, Qwen3).")
  Path model;
  @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter folder (from cohort-node train).")
  Path adapter;

  static final class Input {
    @Option(names = "--prompt", required = true, paramLabel = "TEXT",
        description = "One user message (or, with --raw, text to continue).")
    String prompt;
    @Option(names = "--messages", required = true, paramLabel = "FILE",
        description = "JSON file: {\"messages\": [{\"role\": ..., \"content\": ...}, ...]} or the array itself.")
    Path messages;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;
  @Option(names = "--raw", description = "Continue --prompt as plain text, without the chat template.")
  boolean raw;
  @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N",
      description = "Most tokens to generate. Default: ${DEFAULT-VALUE}.")
  int maxNewTokens;
  @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
      description = "0: greedy (default); > 0: sample from softmax(logits / T).")
  float temperature;
  @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample among the K most likely tokens;"
      + " 0: all (default).")
  int topK;
  @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Sample within the smallest set of"
      + " tokens whose probability reaches P; 1: all (default).")
  float topP;
  @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of sampling. Default: ${DEFAULT-VALUE}.")
  long seed;
  @Option(names = "--no-kv-cache", description = "Recompute the whole sequence at every step (slow; for checks).")
  boolean noCache;
  @Option(names = "--threads", description = "Compute threads. Default: all cores.")
  Integer threads;
  @Option(names = "--output", defaultValue = "text", paramLabel = "FORMAT",
      description = "text (stream the generated text) or json (one object at the end). Default: ${DEFAULT-VALUE}.")
  String output;
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return run();
    } catch (BadInput | IOException | IllegalArgumentException e) { // ChatTemplateException included
      err.println("cohort-node generate: " + e.getMessage());
      err.flush();
      return ExitCode.USAGE.code();
    }
  }

  private int run() throws IOException, BadInput {
    if (!output.equals("text") && !output.equals("json")) {
      throw new BadInput("--output must be text or json, got " + output);
    }
    if (maxNewTokens < 1) {
      throw new BadInput("--max-new-tokens must be >= 1, got " + maxNewTokens);
    }
    if (raw && input.messages != null) {
      throw new BadInput("--raw applies to --prompt only; --messages is always rendered with the chat template");
    }
    Sampler sampler = new Sampler(temperature, topK, topP, seed);
    LmCommandSupport.threads(threads);
    PeftAdapter peft = null;
    if (adapter != null) {
      if (!Files.isDirectory(adapter)) {
        throw new BadInput("--adapter " + adapter + ": not a folder");
      }
      peft = PeftAdapter.read(adapter);
    }
    List<ChatMessage> messages = input.messages != null ? ChatJsonl.readPrompt(input.messages)
        : List.of(ChatMessage.user(input.prompt));
    Loaded loaded = LmCommandSupport.load(model);
    LanguageModel lm = loaded.model();
    if (peft != null) {
      if (loaded.checkpoint() != null) {
        peft.checkAgainst(loaded.checkpoint().config(), adapter);
      }
      PeftExport.attach(lm, peft, true);
    }
    ChatTemplate template = ChatTemplate.fromDirectory(model);
    ChatEncoder encoder = new ChatEncoder(template, ChatEncoder.of(loaded.tokenizer()), lm.maxPositions());
    int[] prompt = raw ? loaded.tokenizer().encode(input.prompt) : encoder.encodePrompt(messages);
    int eos = loaded.tokenizer().eosId();
    int eot = encoder.endOfTurnId();
    Generator generator = eot >= 0 && eot != eos ? new Generator(lm, eos, eot) : new Generator(lm, eos);
    PrintWriter out = spec.commandLine().getOut();
    boolean stream = output.equals("text");
    List<Integer> sofar = new ArrayList<>();
    int[] printed = {0};
    Generator.Result r = generator.generate(prompt, maxNewTokens, sampler, !noCache, tok -> {
      if (!stream) {
        return;
      }
      sofar.add(tok);
      String text = loaded.tokenizer().decode(sofar.stream().mapToInt(Integer::intValue).toArray());
      // print only whole characters: a token may end inside a multi-byte UTF-8 sequence
      if (!text.endsWith("\uFFFD") && text.length() > printed[0]) {
        out.print(text.substring(printed[0]));
        out.flush();
        printed[0] = text.length();
      }
    });
    String text = loaded.tokenizer().decode(r.tokens());
    String stop = switch (r.stop()) {
      case STOP_TOKEN -> r.stopToken() == eos ? "eos" : "end_of_turn";
      case MAX_NEW_TOKENS -> "max_new_tokens";
      case CONTEXT_FULL -> "context_full";
    };
    if (stream) {
      if (text.length() > printed[0]) {
        out.print(text.substring(printed[0]));
      }
      out.println();
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      err.printf(Locale.ROOT, "[%d prompt tokens, %d generated, stop: %s, %.1f tokens/s]%n", r.promptTokens(),
          r.tokens().length, stop, r.decodeTokensPerSecond());
      err.flush();
      return ExitCode.OK.code();
    }
    ObjectNode o = LmCommandSupport.JSON.createObjectNode();
    o.put("model", model.toString());
    if (adapter != null) {
      o.put("adapter", adapter.toString());
    }
    o.put("text", text);
    ArrayNode ids = o.putArray("tokens");
    for (int t : r.tokens()) {
      ids.add(t);
    }
    o.put("prompt_tokens", r.promptTokens());
    o.put("generated_tokens", r.tokens().length);
    o.put("stop", stop);
    o.put("sampling", sampler.isGreedy() ? "greedy" : "sample");
    if (!sampler.isGreedy()) {
      o.put("temperature", temperature);
      o.put("top_k", topK);
      o.put("top_p", topP);
      o.put("seed", seed);
    }
    o.put("kv_cache", !noCache);
    o.put("prefill_seconds", r.prefillSeconds());
    o.put("decode_seconds", r.decodeSeconds());
    o.put("decode_tokens_per_second", r.decodeTokensPerSecond());
    out.println(LmCommandSupport.JSON.writeValueAsString(o));
    out.flush();
    return ExitCode.OK.code();
  }
}
