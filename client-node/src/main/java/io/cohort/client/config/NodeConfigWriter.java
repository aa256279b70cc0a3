package io.cohort.client.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.cohort.client.config.NodeConfigLoader.RawCompute;
import io.cohort.client.config.NodeConfigLoader.RawConfig;
import io.cohort.client.config.NodeConfigLoader.RawDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a {@link NodeConfig} as {@code node.yaml}, in the very shape {@link NodeConfigLoader}
 * reads (the same field records, serialized by Jackson), so that loading the written file gives
 * back an equal configuration. Paths are written absolute; a file the loader would place by
 * itself (identity key, certificates, a dataset's ledger) and a default timeout are left out, so
 * that the file says only what differs from the defaults.
 */
public final class NodeConfigWriter {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private NodeConfigWriter() {}

  /**
   * Where node {@code nodeId}'s configuration lies when several nodes' files share {@code dir}
   * (as their identity keys, certificates and ledgers do by default): {@code <node_id>.yaml}.
   */
  public static Path fileIn(Path dir, String nodeId) {
    return dir.resolve(nodeId + ".yaml");
  }

  /** Writes {@code config} to {@code file}, with {@code comment} (may be null) as a comment line on top. */
  public static void write(NodeConfig config, Path file, String comment) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    String head = comment == null ? "" : "# " + comment.replace("\n", "\n# ") + "\n";
    Files.writeString(file, head + yaml(config, dir), StandardCharsets.UTF_8);
  }

  /** The YAML text of {@code config} for a node.yaml that lies in {@code dir}. */
  public static String yaml(NodeConfig config, Path dir) {
    Path base = dir.toAbsolutePath().normalize();
    String id = config.nodeId();
    Path identity = abs(config.identityKey());
    List<RawDataset> datasets = new ArrayList<>();
    for (NodeConfig.Dataset d : config.datasets()) {
      NodeConfig.Budget b = d.budget().orElse(null);
      Path ledger = b == null ? null : abs(b.ledgerPath());
      datasets.add(new RawDataset(d.alias(), path(d.path()), d.format(), d.validationPath().map(NodeConfigWriter::path)
          .orElse(null), b == null ? null : b.epsilonBudget(), b == null ? null : b.delta(),
          b == null ? null : b.accountant(),
          ledger == null || ledger.equals(NodeConfigLoader.defaultLedger(identity, id, d.alias())) ? null
              : ledger.toString()));
    }
    Map<String, String> models = new TreeMap<>();
    config.models().forEach((name, folder) -> models.put(name, path(folder)));
    RawConfig raw = new RawConfig(id, config.coordinatorHost() + ":" + config.coordinatorPort(),
        config.plaintext() ? Boolean.TRUE : null, datasets,
        config.rpcTimeout().equals(NodeConfigLoader.DEFAULT_RPC_TIMEOUT) ? null : (int) config.rpcTimeout().toSeconds(),
        config.maxBackoff().equals(NodeConfigLoader.DEFAULT_MAX_BACKOFF) ? null : (int) config.maxBackoff().toSeconds(),
        orDefault(identity, NodeConfigLoader.defaultIdentityKey(base, id)),
        orDefault(abs(config.certificate()), NodeConfigLoader.defaultCertificate(base, id)),
        orDefault(abs(config.caCertificate()), NodeConfigLoader.defaultCaCertificate(base)),
        models.isEmpty() ? null : models, new RawCompute(config.computeThreads(),
            "auto".equals(config.computePrecision()) ? null : config.computePrecision()),
        config.trust().equals(NodeConfig.Trust.NONE) ? null
            : new NodeConfigLoader.RawTrust(config.trust().members(), config.trust().minDistinctMembers()),
        config.allowPublicValidation() ? new NodeConfigLoader.RawPrivacy(true) : null);
    try {
      return YAML.writeValueAsString(raw);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a node configuration as YAML", e);
    }
  }

  private static Path abs(Path p) {
    return p.toAbsolutePath().normalize();
  }

  private static String path(Path p) {
    return abs(p).toString();
  }

  /** null (the loader's default) when {@code p} is where the loader would put the file anyway. */
  private static String orDefault(Path p, Path byDefault) {
    return p.equals(byDefault) ? null : p.toString();
  }
}
