package io.cohort.coordinator.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Typed coordinator settings ({@code cohort.*}); each is documented in docs/configuration.md. */
@ConfigMapping(prefix = "cohort")
public interface CoordinatorConfig {
  /** Where the coordinator keeps its embedded database, models and admin token. */
  @WithDefault("cohort-data")
  String dataDir();

  /** Which configured datasource to use: {@code h2} (embedded, default) or {@code postgresql}. */
  @WithDefault("h2")
  String database();

  /** How often nodes send heartbeats; a node silent for three intervals counts as gone. */
  @WithDefault("2s")
  Duration heartbeatInterval();

  /** How long an evaluation phase waits for nodes' metrics. */
  @WithDefault("60s")
  Duration evaluationTimeout();

  /** How often a round is retried when fewer than min_nodes results arrive before it fails the job. */
  @WithDefault("3")
  int maxRoundAttempts();

  /**
   * Whether the first start also writes the bootstrap admin token to {@code <data-dir>/admin.token}
   * (mode 0600) for the local CLI; it is printed once either way.
   */
  @WithDefault("true")
  boolean adminTokenFile();

  /** Largest model or update accepted, in bytes. */
  @WithDefault("4294967296")
  long maxModelBytes();

  /** Audit-log settings ({@code cohort.audit.*}). */
  Audit audit();

  /** {@code cohort.audit.*}. */
  interface Audit {
    /**
     * Start even when the audit log's hash chain is broken (issue 22 #7). Off by default: a broken
     * chain stops the start. When on and the chain is broken, the start is recorded in the log as
     * {@code audit.broken_chain_accepted} with the problem it accepted.
     */
    @WithDefault("false")
    boolean allowBrokenChain();
  }
}
