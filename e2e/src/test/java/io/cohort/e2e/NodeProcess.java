package io.cohort.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A node daemon ({@code cohort-node --config node.yaml}); a restart uses the same config file. It
 * runs C1 only (issue 23 #8): these tests train the credit MLP for seconds, whose arithmetic is
 * ND4J's native code; C1 ran the credit MLP's central baseline (start, 20 epochs, evaluation) on
 * ~40 % less CPU (docs/benchmarks.md). A test that trains the language-model engine (Java
 * arithmetic) passes {@link #FULL_JIT}.
 */
final class NodeProcess extends ManagedProcess {
  /** JVM option that restores full tiered compilation (C2), for nodes that train text models. */
  static final String FULL_JIT = "-XX:TieredStopAtLevel=4";

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
    List<String> cmd = new java.util.ArrayList<>(List.of(E2eEnvironment.java(), "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1"));
    cmd.addAll(jvmOptions); // after the defaults: the JVM takes the last value of a repeated -XX option
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
