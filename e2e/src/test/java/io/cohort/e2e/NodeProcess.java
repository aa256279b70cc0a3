package io.cohort.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A node daemon ({@code cohort-node --config node.yaml}); a restart uses the same config file. */
final class NodeProcess extends ManagedProcess {
  private final String nodeId;
  private final Path config;
  private final List<String> jvmOptions;

  NodeProcess(String nodeId, Path config, Path log) {
    this(nodeId, config, log, List.of());
  }

  /** With extra JVM options, e.g. a logging configuration that a test watches for. */
  NodeProcess(String nodeId, Path config, Path log, List<String> jvmOptions) {
    super(nodeId, log);
    this.nodeId = nodeId;
    this.config = config;
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  @Override
  protected List<String> command() {
    List<String> cmd = new java.util.ArrayList<>(List.of(E2eEnvironment.java(), "-XX:+UseSerialGC"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", E2eEnvironment.nodeJar().toString(), "--config", config.toString()));
    return cmd;
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
