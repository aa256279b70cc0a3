package io.cohort.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A node daemon ({@code cohort-node --config node.yaml}); a restart uses the same config file. */
final class NodeProcess extends ManagedProcess {
  private final String nodeId;
  private final Path config;

  NodeProcess(String nodeId, Path config, Path log) {
    super(nodeId, log);
    this.nodeId = nodeId;
    this.config = config;
  }

  @Override
  protected List<String> command() {
    return List.of(E2eEnvironment.java(), "-XX:+UseSerialGC", "-jar", E2eEnvironment.nodeJar().toString(),
        "--config", config.toString());
  }

  @Override
  protected Map<String, String> environment() {
    // one ND4J thread per node, so that several nodes share the cores fairly
    return Map.of("OMP_NUM_THREADS", "1");
  }

  String nodeId() {
    return nodeId;
  }

  Path config() {
    return config;
  }
}
