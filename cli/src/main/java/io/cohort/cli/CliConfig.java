package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * Defaults for the CLI's options from the environment and a YAML file. Precedence: a flag on the
 * command line, then an environment variable, then the file, then the built-in default. The file is
 * {@code $COHORT_CONFIG}, else {@code $XDG_CONFIG_HOME/cohort/cli.yaml}, else
 * {@code ~/.config/cohort/cli.yaml}; a missing file is fine, a malformed one is an error naming it.
 *
 * <pre>
 * coordinator: https://coord.example.org:8080
 * token_file: ~/.config/cohort/token      # or token: cht_... (prefer a file with mode 0600)
 * data_dir: /var/lib/cohort
 * output: table                            # or json
 * provenance_fingerprint: sha256:...       # the coordinator's export-signing key; recorded by the first
 *                                          # `cohort job export`, the trust anchor of `job verify-export`
 * ca_certificate: ~/.config/cohort/ca.crt  # the federation CA: node co-signatures of exports and the
 *                                          # coordinator's HTTPS certificate are checked against it
 * </pre>
 */
final class CliConfig implements CommandLine.IDefaultValueProvider {
  /** Key of the pinned provenance-signing key (issue 22 finding #6). */
  static final String PROVENANCE_FINGERPRINT = "provenance_fingerprint";
  /** Key of the federation CA certificate file (issue 21): node co-signatures and the server are checked against it. */
  static final String CA_CERTIFICATE = "ca_certificate";
  static final String CA_CERTIFICATE_ENV = "COHORT_CA_CERTIFICATE";
  static final Set<String> KEYS =
      Set.of("coordinator", "token", "token_file", "data_dir", "output", PROVENANCE_FINGERPRINT, CA_CERTIFICATE);
  /** Environment variable that pins the provenance-signing key, before the file. */
  static final String PROVENANCE_FINGERPRINT_ENV = "COHORT_PROVENANCE_FINGERPRINT";
  /** Option name → environment variable, then file key. */
  private static final Map<String, String[]> SOURCES = Map.of(
      "--coordinator", new String[] {"COHORT_COORDINATOR", "coordinator"},
      "--data-dir", new String[] {"COHORT_DATA_DIR", "data_dir"},
      "--output", new String[] {"COHORT_OUTPUT", "output"});

  private final Map<String, String> env;
  private final Path file;
  private JsonNode values;

  CliConfig(Map<String, String> env) {
    this.env = env;
    this.file = location(env);
  }

  static Path location(Map<String, String> env) {
    String explicit = env.get("COHORT_CONFIG");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
    return base.resolve("cohort").resolve("cli.yaml");
  }

  /** The file's values, read once; throws {@link CommandLine.ParameterException}-free errors as IllegalArgument. */
  JsonNode values() {
    if (values == null) {
      if (!Files.isRegularFile(file)) {
        values = new ObjectMapper().createObjectNode();
      } else {
        try {
          JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
          if (n == null || n.isNull() || n.isMissingNode()) {
            n = new ObjectMapper().createObjectNode();
          }
          if (!n.isObject()) {
            throw new IllegalArgumentException(file + ": expected a mapping of " + new java.util.TreeSet<>(KEYS));
          }
          for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
              throw new IllegalArgumentException(file + ": unknown key '" + k + "'; valid keys are "
                  + new java.util.TreeSet<>(KEYS));
            }
          }
          values = n;
        } catch (IOException e) {
          throw new IllegalArgumentException(file + ": not valid YAML (" + e.getMessage().lines().findFirst().orElse("")
              + ")");
        }
      }
    }
    return values;
  }

  Path file() {
    return file;
  }

  /** A value from the file, with {@code ~/} expanded for paths, or null. */
  String fileValue(String key) {
    JsonNode v = values().get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    String s = v.asText();
    return s.startsWith("~/") ? System.getProperty("user.home") + s.substring(1) : s;
  }

  /** The federation CA certificate file: $COHORT_CA_CERTIFICATE, else the file's {@code ca_certificate}, else null. */
  String caCertificate() {
    String fromEnv = env(CA_CERTIFICATE_ENV);
    return fromEnv != null ? fromEnv : fileValue(CA_CERTIFICATE);
  }

  /** The pinned provenance fingerprint: $COHORT_PROVENANCE_FINGERPRINT, else the file's, else null. */
  String provenanceFingerprint() {
    String fromEnv = env(PROVENANCE_FINGERPRINT_ENV);
    return fromEnv != null ? fromEnv : fileValue(PROVENANCE_FINGERPRINT);
  }

  /**
   * Records {@code fingerprint} as the pinned provenance key by appending one line to the file
   * (comments and other keys stay as they are); creates the file, mode 0600, when missing.
   */
  void pinProvenanceFingerprint(String fingerprint) throws IOException {
    Path abs = file.toAbsolutePath();
    String line = PROVENANCE_FINGERPRINT + ": " + fingerprint + "\n";
    if (!Files.exists(abs)) {
      io.cohort.crypto.keys.OwnerOnly.createDirectories(abs.getParent());
      io.cohort.crypto.keys.OwnerOnly.createFile(abs);
    } else {
      String text = Files.readString(abs);
      if (!text.isEmpty() && !text.endsWith("\n")) {
        line = "\n" + line;
      }
    }
    Files.writeString(abs, line, java.nio.file.StandardOpenOption.APPEND);
    values = null;
  }

  String env(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  @Override
  public String defaultValue(CommandLine.Model.ArgSpec arg) {
    if (!(arg instanceof CommandLine.Model.OptionSpec o)) {
      return null;
    }
    String[] src = SOURCES.get(o.longestName());
    if (src == null) {
      return null;
    }
    String fromEnv = env(src[0]);
    return fromEnv != null ? fromEnv : fileValue(src[1]);
  }
}
