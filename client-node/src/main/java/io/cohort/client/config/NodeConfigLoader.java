package io.cohort.client.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads {@code node.yaml}. Relative dataset paths are resolved against the file's directory.
 * Every error names the file and the line or the field, and what would be valid.
 */
public final class NodeConfigLoader {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_./-]{0,127}");
  private static final List<String> FORMATS = List.of("csv", "jsonl");

  /** Deadline of each unary call when node.yaml gives no {@code rpc_timeout_seconds}. */
  public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(30);
  /** Longest reconnection wait when node.yaml gives no {@code max_backoff_seconds}. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
  /** A dataset's ledger accountant when node.yaml gives none. */
  public static final String DEFAULT_ACCOUNTANT = "rdp";

  private NodeConfigLoader() {}

  /**
   * The node's identity key when node.yaml in {@code dir} names none: named after the node, so
   * that several nodes' configurations can share a directory; created on first start.
   */
  public static Path defaultIdentityKey(Path dir, String nodeId) {
    return dir.resolve(nodeId + ".identity.key").normalize();
  }

  /** The node's certificate (node then CA) when node.yaml in {@code dir} names none. */
  public static Path defaultCertificate(Path dir, String nodeId) {
    return dir.resolve(nodeId + ".crt").normalize();
  }

  /** The federation CA's certificate when node.yaml in {@code dir} names none. */
  public static Path defaultCaCertificate(Path dir) {
    return dir.resolve("ca.crt").normalize();
  }

  /** A dataset's ledger when node.yaml names none: {@code <node_id>.<alias>.ledger} next to the identity key. */
  public static Path defaultLedger(Path identityKey, String nodeId, String alias) {
    return identityKey.resolveSibling(nodeId + "." + alias + ".ledger");
  }

  record RawDataset(String alias, String path, String format, String validationPath, Double epsilonBudget,
      Double delta, String accountant, String ledgerPath) {}

  record RawCompute(Integer threads, String precision) {}

  record RawTrust(List<String> members, Integer minDistinctMembers) {}

  /** {@code privacy:} node-wide privacy policy (issue 19 #3). */
  record RawPrivacy(Boolean allowPublicValidation) {}

  record RawConfig(String nodeId, String coordinator, Boolean plaintext, List<RawDataset> datasets,
      Integer rpcTimeoutSeconds, Integer maxBackoffSeconds, String identityKey, String certificate,
      String caCertificate, Map<String, String> models, RawCompute compute, RawTrust trust, RawPrivacy privacy) {}

  public static NodeConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
    }
    Path base = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), base);
  }

  static NodeConfig parse(String yaml, String source, Path base) throws ConfigException {
    ObjectMapper m = new ObjectMapper(new YAMLFactory());
    m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    // A count such as 'threads: 2.5' is an error, not silently 2.
    m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    RawConfig raw;
    try {
      raw = m.readValue(yaml, RawConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(where(source, e.getLocation()) + "unknown field '" + e.getPropertyName()
          + "' (valid: " + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")");
    } catch (MismatchedInputException e) {
      String top = e.getPath().isEmpty() ? "" : e.getPath().get(0).getFieldName();
      String problem = switch (top == null ? "" : top) {
        case "models" -> "field 'models' must map model names to checkpoint folders, e.g. 'tiny-gpt2-reuters: models/tiny'";
        case "compute" -> e.getPath().size() > 1 && "threads".equals(e.getPath().get(1).getFieldName())
            ? computeThreadsRange(e instanceof InvalidFormatException f ? "'" + f.getValue() + "'" : "a non-number")
            : e.getPath().size() > 1 && "precision".equals(e.getPath().get(1).getFieldName())
            ? computePrecisionValues("a non-word")
            : "field 'compute' must be a block such as 'compute: {threads: 4, precision: auto}'";
        case "trust" -> "field 'trust' must be a block such as 'trust: {members: [hospital-b, \"CN=bank-c\"],"
            + " min_distinct_members: 2}' (members: node ids, subject names or SHA-256 certificate fingerprints)";
        case "privacy" -> "field 'privacy' must be a block such as 'privacy: {allow_public_validation: true}'";
        default -> firstLine(e.getOriginalMessage());
      };
      throw new ConfigException(where(source, e.getLocation()) + problem);
    } catch (JsonProcessingException e) {
      throw new ConfigException(where(source, e.getLocation()) + firstLine(e.getOriginalMessage()));
    }
    if (raw == null) {
      throw new ConfigException(source + ": the configuration is empty");
    }
    String nodeId = raw.nodeId();
    if (nodeId == null || !ID.matcher(nodeId).matches()) {
      throw new ConfigException(source + ": field 'node_id' must be 1-128 letters, digits, '.', '_' or '-', got '" + nodeId + "'");
    }
    String coord = raw.coordinator();
    int colon = coord == null ? -1 : coord.lastIndexOf(':');
    if (colon <= 0) {
      throw new ConfigException(source + ": field 'coordinator' must be host:port, got '" + coord + "'");
    }
    int port;
    try {
      port = Integer.parseInt(coord.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException(source + ": field 'coordinator' needs a port between 1 and 65535, got '" + coord + "'");
    }
    // Mutual TLS unless the operator names the development mode explicitly (plaintext: true).
    boolean plaintext = Boolean.TRUE.equals(raw.plaintext());
    List<NodeConfig.Dataset> datasets = new ArrayList<>();
    Set<String> aliases = new HashSet<>();
    List<RawDataset> rawSets = raw.datasets() == null ? List.of() : raw.datasets();
    for (int i = 0; i < rawSets.size(); i++) {
      RawDataset d = rawSets.get(i);
      String field = "datasets[" + i + "]";
      if (d == null || d.alias() == null || !ALIAS.matcher(d.alias()).matches()) {
        throw new ConfigException(source + ": field '" + field + ".alias' must be 1-64 letters, digits, '.', '_' or '-'");
      }
      if (!aliases.add(d.alias())) {
        throw new ConfigException(source + ": field '" + field + ".alias' repeats alias '" + d.alias() + "'");
      }
      if (d.path() == null || d.path().isBlank()) {
        throw new ConfigException(source + ": field '" + field + ".path' is required");
      }
      String format = d.format() == null ? "csv" : d.format();
      if (!FORMATS.contains(format)) {
        throw new ConfigException(source + ": field '" + field + ".format' must be csv (tabular jobs) or jsonl"
            + " (language-model jobs), got '" + format + "'");
      }
      Optional<Path> validation = d.validationPath() == null || d.validationPath().isBlank()
          ? Optional.empty() : Optional.of(base.resolve(d.validationPath()).normalize());
      datasets.add(new NodeConfig.Dataset(d.alias(), base.resolve(d.path()).normalize(), format, validation,
          budget(d, field, source, base, identityPath(raw, base, nodeId), nodeId)));
    }
    int timeout = raw.rpcTimeoutSeconds() == null ? (int) DEFAULT_RPC_TIMEOUT.toSeconds() : raw.rpcTimeoutSeconds();
    if (timeout < 1 || timeout > 3600) {
      throw new ConfigException(source + ": field 'rpc_timeout_seconds' must be between 1 and 3600, got " + timeout);
    }
    int backoff = raw.maxBackoffSeconds() == null ? (int) DEFAULT_MAX_BACKOFF.toSeconds() : raw.maxBackoffSeconds();
    if (backoff < 1 || backoff > 3600) {
      throw new ConfigException(source + ": field 'max_backoff_seconds' must be between 1 and 3600, got " + backoff);
    }
    Path identity = identityPath(raw, base, nodeId);
    Path certificate = blank(raw.certificate()) ? defaultCertificate(base, nodeId)
        : base.resolve(raw.certificate()).normalize();
    Path ca = blank(raw.caCertificate()) ? defaultCaCertificate(base) : base.resolve(raw.caCertificate()).normalize();
    return new NodeConfig(nodeId, coord.substring(0, colon), port, plaintext, List.copyOf(datasets),
        Duration.ofSeconds(timeout), Duration.ofSeconds(backoff), identity, certificate, ca,
        models(raw.models(), source, base), computeThreads(raw.compute(), source), trust(raw.trust(), source),
        computePrecision(raw.compute(), source),
        raw.privacy() != null && Boolean.TRUE.equals(raw.privacy().allowPublicValidation()));
  }

  /** {@code trust:} the pinned members and the floor of distinct members in a secure round (issue 21 #3). */
  private static NodeConfig.Trust trust(RawTrust raw, String source) throws ConfigException {
    if (raw == null) {
      return NodeConfig.Trust.NONE;
    }
    List<String> members = new ArrayList<>();
    List<String> given = raw.members() == null ? List.of() : raw.members();
    for (int i = 0; i < given.size(); i++) {
      String m = given.get(i) == null ? "" : given.get(i).strip();
      if (m.isEmpty()) {
        throw new ConfigException(source + ": field 'trust.members[" + i + "]' is empty; give a node id, a subject"
            + " name (CN=...) or a SHA-256 certificate fingerprint (64 hex characters)");
      }
      members.add(m);
    }
    int floor = raw.minDistinctMembers() == null ? 0 : raw.minDistinctMembers();
    if (floor < 0 || floor > members.size()) {
      throw new ConfigException(source + ": field 'trust.min_distinct_members' must be between 0 and the number of"
          + " pinned members (" + members.size() + "), got " + floor);
    }
    return new NodeConfig.Trust(members, floor);
  }

  /** {@code compute.precision}: {@code auto} when absent. */
  private static String computePrecision(RawCompute compute, String source) throws ConfigException {
    if (compute == null || compute.precision() == null) {
      return "auto";
    }
    String p = compute.precision().trim().toLowerCase(java.util.Locale.ROOT);
    if (!NodeConfig.COMPUTE_PRECISIONS.contains(p)) {
      throw new ConfigException(source + ": " + computePrecisionValues("'" + compute.precision() + "'"));
    }
    return p;
  }

  private static String computePrecisionValues(String got) {
    return "field 'compute.precision' must be fp32, bf16 or auto (bf16 runs the frozen base weights' products in"
        + " bfloat16 with float32 accumulation; auto picks bf16 where the CPU has AVX512_BF16 or AMX), got " + got;
  }

  /** {@code compute.threads}: every core when absent. */
  private static int computeThreads(RawCompute compute, String source) throws ConfigException {
    if (compute == null || compute.threads() == null) {
      return NodeConfig.defaultComputeThreads();
    }
    int threads = compute.threads();
    if (threads < 1 || threads > NodeConfig.MAX_COMPUTE_THREADS) {
      throw new ConfigException(source + ": " + computeThreadsRange(String.valueOf(threads)));
    }
    return threads;
  }

  private static String computeThreadsRange(String got) {
    return "field 'compute.threads' must be a whole number between 1 and " + NodeConfig.MAX_COMPUTE_THREADS
        + " (threads of the language-model engine and of OpenBLAS; omit it to use all "
        + NodeConfig.defaultComputeThreads() + " cores), got " + got;
  }

  /** The {@code models:} map: name → checkpoint folder, relative folders resolved like dataset paths. */
  private static Map<String, Path> models(Map<String, String> raw, String source, Path base) throws ConfigException {
    Map<String, Path> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String name = e.getKey();
      if (name == null || !MODEL_NAME.matcher(name).matches()) {
        throw new ConfigException(source + ": field 'models' has the name '" + name + "'; model names are 1-128"
            + " letters, digits, '.', '_', '-' or '/'");
      }
      if (blank(e.getValue())) {
        throw new ConfigException(source + ": field 'models." + name + "' must be the path of a Hugging Face"
            + " checkpoint folder (with config.json and model.safetensors)");
      }
      out.put(name, base.resolve(e.getValue()).normalize());
    }
    return out;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static Path identityPath(RawConfig raw, Path base, String nodeId) {
    return blank(raw.identityKey()) ? defaultIdentityKey(base, nodeId) : base.resolve(raw.identityKey()).normalize();
  }

  /**
   * The dataset's privacy budget: {@code epsilon_budget} and {@code delta} together or neither;
   * the ledger defaults to {@code <node_id>.<alias>.ledger} next to the identity key.
   */
  private static Optional<NodeConfig.Budget> budget(RawDataset d, String field, String source, Path base,
      Path identity, String nodeId) throws ConfigException {
    if (d.epsilonBudget() == null && d.delta() == null) {
      if (d.accountant() != null || d.ledgerPath() != null) {
        throw new ConfigException(source + ": field '" + field + ".epsilon_budget' is required when 'accountant' or"
            + " 'ledger_path' is set");
      }
      return Optional.empty();
    }
    if (d.epsilonBudget() == null || d.delta() == null) {
      String missing = d.epsilonBudget() == null ? "epsilon_budget" : "delta";
      throw new ConfigException(source + ": field '" + field + "." + missing + "' is required: a privacy budget is"
          + " epsilon_budget (e.g. 8) and delta (e.g. 1e-5) together");
    }
    double eps = d.epsilonBudget();
    if (!(eps > 0 && eps < Double.POSITIVE_INFINITY)) {
      throw new ConfigException(source + ": field '" + field + ".epsilon_budget' must be a finite number > 0, got "
          + eps);
    }
    double delta = d.delta();
    if (!(delta > 0 && delta < 1)) {
      throw new ConfigException(source + ": field '" + field + ".delta' must be in (0, 1), got " + delta);
    }
    String accountant = d.accountant() == null ? DEFAULT_ACCOUNTANT : d.accountant();
    if (!accountant.equals("rdp") && !accountant.equals("pld")) {
      throw new ConfigException(source + ": field '" + field + ".accountant' must be rdp or pld, got '" + accountant
          + "'");
    }
    Path ledger = d.ledgerPath() == null || d.ledgerPath().isBlank()
        ? defaultLedger(identity, nodeId, d.alias()) : base.resolve(d.ledgerPath()).normalize();
    return Optional.of(new NodeConfig.Budget(eps, delta, accountant, ledger));
  }

  private static String where(String source, JsonLocation loc) {
    return loc == null || loc.getLineNr() <= 0 ? source + ": "
        : source + " line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid YAML";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
