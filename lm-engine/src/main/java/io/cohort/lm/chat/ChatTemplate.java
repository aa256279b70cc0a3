package io.cohort.lm.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template: the Jinja program in {@code tokenizer_config.json}'s {@code chat_template}
 * that turns a list of messages into the model's prompt text, rendered with HubSpot's Jinjava the
 * way transformers' {@code apply_chat_template} renders it with Jinja2: blocks trimmed
 * ({@code trim_blocks}, {@code lstrip_blocks}), the variables {@code messages} (a list of
 * {@code {role, content}}), {@code bos_token}, {@code eos_token}, {@code add_generation_prompt}
 * and the function {@code raise_exception(message)}, plus the Python string methods templates
 * use ({@link PythonStringMethods}).
 *
 * <p>A template that Jinjava cannot run in full (an unknown tag or filter, a method it lacks, a
 * syntax error) throws {@link ChatTemplateException} naming the problem and its template line;
 * it never returns partially rendered text.
 *
 * <p>Models without a template (GPT-2) get {@link #DEFAULT_TEMPLATE}.
 */
public final class ChatTemplate {
  /**
   * The template of models that ship none (GPT-2). Rendered:
   * <pre>
   * {system}\n\n
   * User: {user}\n
   * Assistant: {assistant}&lt;|endoftext|&gt;\n
   * ...
   * Assistant:          (the generation prompt)
   * </pre>
   * The assistant's text follows {@code "Assistant:"} after one space, so a generated answer starts
   * with GPT-2's space-prefixed word tokens exactly as in training; the end-of-text token closes
   * every assistant turn and is what generation stops on.
   */
  public static final String DEFAULT_TEMPLATE = "{% for message in messages %}"
      + "{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
      + "{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n' }}"
      + "{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token + '\\n' }}"
      + "{% else %}{{ raise_exception('Unknown role: ' + message['role']) }}{% endif %}"
      + "{% endfor %}"
      + "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

  /** End-of-turn tokens of well-known template families, in the order they are looked for. */
  private static final List<String> KNOWN_END_OF_TURN = List.of("<|eot_id|>", "<|im_end|>", "<end_of_turn>");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

  private final String template;
  private final String bosToken;
  private final String eosToken;
  private final String endOfTurn;
  private final boolean isDefault;
  private final String parsed;
  private final Jinjava jinjava;
  private volatile boolean namesChecked;

  private ChatTemplate(String template, String bosToken, String eosToken, boolean isDefault) {
    this.template = template;
    this.parsed = TemplateCompat.rewrite(template);
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.isDefault = isDefault;
    String eot = eosToken;
    for (String t : KNOWN_END_OF_TURN) {
      if (template.contains(t)) {
        eot = t;
        break;
      }
    }
    this.endOfTurn = eot;
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withElResolver(resolver)
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .build())
        .build();
    this.jinjava = new Jinjava(config);
    jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
        "raiseException", Object.class));
  }

  /** A template with the given special tokens ({@code bosToken} may be null, as for Qwen). */
  public static ChatTemplate of(String template, String bosToken, String eosToken) {
    return new ChatTemplate(template, bosToken, eosToken, false);
  }

  /** {@link #DEFAULT_TEMPLATE} with GPT-2's end-of-text token as EOS (and BOS, unused by the template). */
  public static ChatTemplate gpt2Default() {
    return new ChatTemplate(DEFAULT_TEMPLATE, "<|endoftext|>", "<|endoftext|>", true);
  }

  /**
   * The template of a model folder: {@code tokenizer_config.json}'s {@code chat_template} (a string,
   * or a list of named templates of which {@code default} is used) with its {@code bos_token} and
   * {@code eos_token}; {@link #gpt2Default()} when the folder has no template.
   */
  public static ChatTemplate fromDirectory(Path dir) throws IOException {
    Path file = dir.resolve("tokenizer_config.json");
    if (!Files.isRegularFile(file)) {
      return gpt2Default();
    }
    JsonNode cfg;
    try {
      cfg = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    JsonNode t = cfg.get("chat_template");
    String source = null;
    if (t != null && t.isTextual()) {
      source = t.asText();
    } else if (t != null && t.isArray()) {
      for (JsonNode named : t) {
        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
          source = named.get("template").asText();
        }
      }
      if (source == null) {
        throw new IOException(file + ": chat_template is a list without a template named 'default'");
      }
    } else if (t != null && !t.isNull()) {
      throw new IOException(file + ": chat_template must be a string or a list of {name, template}");
    }
    if (source == null) {
      // No template (e.g. a base Mistral or Llama 2 folder): the documented default layout, closed by
      // the folder's own end-of-text token (GPT-2's <|endoftext|> would be plain text to its tokenizer).
      String eos = token(cfg.get("eos_token"));
      return eos == null ? gpt2Default() : new ChatTemplate(DEFAULT_TEMPLATE, token(cfg.get("bos_token")), eos, true);
    }
    return of(source, token(cfg.get("bos_token")), token(cfg.get("eos_token")));
  }

  /** A special token as tokenizer_config.json writes it: a string, an AddedToken object, or null. */
  private static String token(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    return n.path("content").isTextual() ? n.get("content").asText() : null;
  }

  public String source() {
    return template;
  }

  public String bosToken() {
    return bosToken;
  }

  public String eosToken() {
    return eosToken;
  }

  /** Whether this is {@link #DEFAULT_TEMPLATE} (the model ships no template). */
  public boolean isDefault() {
    return isDefault;
  }

  /**
   * The token that closes an assistant turn: Llama 3's {@code <|eot_id|>}, ChatML's
   * {@code <|im_end|>} or Gemma's {@code <end_of_turn>} when the template writes it, else EOS.
   * The loss counts it, and generation stops on it.
   */
  public String endOfTurn() {
    return endOfTurn;
  }

  /** The special-token strings this template may write (BOS, EOS, end of turn), without nulls. */
  public List<String> specialTokens() {
    List<String> out = new ArrayList<>();
    for (String s : new String[] {bosToken, eosToken, endOfTurn}) {
      if (s != null && !s.isEmpty() && !out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  /** Renders {@code messages} as transformers' {@code apply_chat_template(..., tokenize=False)} does. */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * As {@link #render(List, boolean)}, with extra template variables, as transformers passes its
   * {@code **kwargs} (e.g. Qwen3's {@code enable_thinking=False}).
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
    List<Map<String, Object>> msgs = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("role", m.role());
      o.put("content", m.content());
      msgs.add(o);
    }
    Map<String, Object> vars = new HashMap<>(extra);
    vars.put("messages", msgs);
    vars.put("bos_token", bosToken);
    vars.put("eos_token", eosToken);
    vars.put("add_generation_prompt", addGenerationPrompt);
    if (!namesChecked) {
      TemplateCompat.checkNames(parsed, jinjava.getGlobalContext());
      namesChecked = true;
    }
    RAISED.remove();
    RenderResult r;
    try {
      r = jinjava.renderForResult(parsed, vars);
    } catch (RuntimeException e) {
      throw new ChatTemplateException("chat template cannot be rendered: " + e.getMessage());
    }
    String raised = RAISED.get();
    RAISED.remove();
    if (raised != null) {
      throw new ChatTemplateException("chat template raised an exception: " + raised);
    }
    for (TemplateError e : r.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException("chat template uses something the Jinja engine (Jinjava) cannot run, at"
            + " template line " + e.getLineno() + ": " + e.getMessage()
            + " (" + e.getReason() + "; rendering refused rather than risk wrong text)");
      }
    }
    return r.getOutput();
  }

  /** {@code raise_exception(message)} of transformers' template environment. */
  public static Object raiseException(Object message) {
    RAISED.set(String.valueOf(message));
    throw new ChatTemplateException(String.valueOf(message));
  }
}
