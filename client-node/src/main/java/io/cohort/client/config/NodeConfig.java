package io.cohort.client.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node's configuration: who it is, where the coordinator is, and which datasets it offers.
 * Immutable; built only by {@link NodeConfigLoader}, which checks every field.
 *
 * @param nodeId the node's identity (letters, digits, '.', '_', '-')
 * @param coordinatorHost host of the coordinator's gRPC port
 * @param coordinatorPort that port
 * @param plaintext development mode without TLS; the node prints a warning when on. Off (the
 *     default): mutual TLS 1.3 with {@code certificate} and {@code caCertificate}
 * @param datasets the datasets this node offers, by alias
 * @param rpcTimeout deadline of each unary call
 * @param maxBackoff longest wait between reconnection attempts
 * @param identityKey file of the node's long-term Ed25519 identity key (PKCS#8, mode 0600),
 *     created on first start; it signs the node's secure-aggregation messages and is the key
 *     its certificate certifies
 * @param certificate PEM file of the node's certificate (then the CA's), from {@code cohort-node
 *     enroll} or an offline startup kit
 * @param caCertificate PEM file of the federation CA that the coordinator's certificate must chain to
 * @param models language models this node can fine-tune: a job's {@code model.name} → the local
 *     Hugging Face checkpoint folder (never sent anywhere; the job names the model's content hash)
 * @param computeThreads threads of the language-model engine's Java loops and of OpenBLAS
 *     ({@code compute.threads}); 1 to {@link #MAX_COMPUTE_THREADS}, default all cores
 * @param trust the federation members this node pins and its floor of distinct members in a
 *     secure round ({@code trust:} in node.yaml, issue 21 #3); {@link Trust#NONE} when absent
 * @param computePrecision number format of the language-model engine's frozen-weight products
 *     ({@code compute.precision}): {@code fp32}, {@code bf16} or {@code auto} (the default: bf16
 *     where the CPU has AVX512_BF16 or AMX)
 * @param allowPublicValidation {@code privacy.allow_public_validation} (issue 19 #3): whether this node
 *     agrees to evaluate DP jobs that declare their validation data public without noise; default false
 */
public record NodeConfig(
    String nodeId,
    String coordinatorHost,
    int coordinatorPort,
    boolean plaintext,
    List<Dataset> datasets,
    Duration rpcTimeout,
    Duration maxBackoff,
    Path identityKey,
    Path certificate,
    Path caCertificate,
    Map<String, Path> models,
    int computeThreads,
    Trust trust,
    String computePrecision,
    boolean allowPublicValidation) {
  /** The values {@code compute.precision} accepts. */
  public static final java.util.List<String> COMPUTE_PRECISIONS = java.util.List.of("fp32", "bf16", "auto");
  /** Upper bound of {@code compute.threads}: far above any core count a node runs on, and a typo guard. */
  public static final int MAX_COMPUTE_THREADS = 1024;

  public NodeConfig {
    models = Map.copyOf(models);
    trust = trust == null ? Trust.NONE : trust;
    if (computeThreads < 1 || computeThreads > MAX_COMPUTE_THREADS) {
      throw new IllegalArgumentException("computeThreads must be between 1 and " + MAX_COMPUTE_THREADS + ", got "
          + computeThreads);
    }
    if (!COMPUTE_PRECISIONS.contains(computePrecision)) {
      throw new IllegalArgumentException("computePrecision must be one of " + COMPUTE_PRECISIONS + ", got "
          + computePrecision);
    }
  }

  /** A configuration that does not allow public validation data (the default). */
  public NodeConfig(String nodeId, String coordinatorHost, int coordinatorPort, boolean plaintext, List<Dataset> datasets,
      Duration rpcTimeout, Duration maxBackoff, Path identityKey, Path certificate, Path caCertificate,
      Map<String, Path> models, int computeThreads, Trust trust, String computePrecision) {
    this(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff, identityKey,
        certificate, caCertificate, models, computeThreads, trust, computePrecision, false);
  }

  /** The node.yaml key a node must set to evaluate DP jobs on public validation data without noise. */
  public static final String ALLOW_PUBLIC_VALIDATION_KEY = "privacy.allow_public_validation";

  /** This configuration with {@code privacy.allow_public_validation} set to {@code allow}. */
  public NodeConfig withAllowPublicValidation(boolean allow) {
    return new NodeConfig(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff,
        identityKey, certificate, caCertificate, models, computeThreads, trust, computePrecision, allow);
  }

  /** A configuration with {@code compute.precision} at its default, {@code auto}. */
  public NodeConfig(String nodeId, String coordinatorHost, int coordinatorPort, boolean plaintext, List<Dataset> datasets,
      Duration rpcTimeout, Duration maxBackoff, Path identityKey, Path certificate, Path caCertificate,
      Map<String, Path> models, int computeThreads, Trust trust) {
    this(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff, identityKey,
        certificate, caCertificate, models, computeThreads, trust, "auto");
  }

  /** A configuration without a member roster. */
  public NodeConfig(String nodeId, String coordinatorHost, int coordinatorPort, boolean plaintext, List<Dataset> datasets,
      Duration rpcTimeout, Duration maxBackoff, Path identityKey, Path certificate, Path caCertificate,
      Map<String, Path> models, int computeThreads, String computePrecision) {
    this(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff, identityKey,
        certificate, caCertificate, models, computeThreads, Trust.NONE, computePrecision);
  }

  /** A configuration without a member roster and with {@code compute.precision} at {@code auto}. */
  public NodeConfig(String nodeId, String coordinatorHost, int coordinatorPort, boolean plaintext, List<Dataset> datasets,
      Duration rpcTimeout, Duration maxBackoff, Path identityKey, Path certificate, Path caCertificate,
      Map<String, Path> models, int computeThreads) {
    this(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff, identityKey,
        certificate, caCertificate, models, computeThreads, Trust.NONE, "auto");
  }

  /** This configuration with {@code trust} instead of its own. */
  public NodeConfig withTrust(Trust trust) {
    return new NodeConfig(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff,
        identityKey, certificate, caCertificate, models, computeThreads, trust, computePrecision,
        allowPublicValidation);
  }

  /**
   * Whom this node counts as a member of its federation, and how many distinct members besides
   * itself a secure round must include before it joins (issue 21 #3): so it is never the only honest
   * input in a sum that a coordinator filled with identities of its own.
   *
   * @param members pinned members: a certificate's SHA-256 fingerprint (64 hex characters, colons
   *     allowed) or a subject name ({@code CN=hospital-b} or just the node id {@code hospital-b})
   * @param minDistinctMembers the floor; 0 (the default) checks no floor
   */
  public record Trust(List<String> members, int minDistinctMembers) {
    public static final Trust NONE = new Trust(List.of(), 0);

    public Trust {
      members = List.copyOf(members);
      if (minDistinctMembers < 0) {
        throw new IllegalArgumentException("minDistinctMembers must be >= 0, got " + minDistinctMembers);
      }
    }
  }

  /** A configuration whose compute uses every core (the default of {@code compute.threads}). */
  public NodeConfig(String nodeId, String coordinatorHost, int coordinatorPort, boolean plaintext, List<Dataset> datasets,
      Duration rpcTimeout, Duration maxBackoff, Path identityKey, Path certificate, Path caCertificate,
      Map<String, Path> models) {
    this(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff, identityKey,
        certificate, caCertificate, models, defaultComputeThreads());
  }

  /** The default of {@code compute.threads}: every core this JVM may use. */
  public static int defaultComputeThreads() {
    return Math.min(Runtime.getRuntime().availableProcessors(), MAX_COMPUTE_THREADS);
  }

  /** A configuration without language models. */
  public NodeConfig(String nodeId, String coordinatorHost, int coordinatorPort, boolean plaintext, List<Dataset> datasets,
      Duration rpcTimeout, Duration maxBackoff, Path identityKey, Path certificate, Path caCertificate) {
    this(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff, identityKey,
        certificate, caCertificate, Map.of());
  }

  /** A configuration with the default certificate files next to the identity key. */
  public NodeConfig(String nodeId, String coordinatorHost, int coordinatorPort, boolean plaintext, List<Dataset> datasets,
      Duration rpcTimeout, Duration maxBackoff, Path identityKey) {
    this(nodeId, coordinatorHost, coordinatorPort, plaintext, datasets, rpcTimeout, maxBackoff, identityKey,
        identityKey.resolveSibling(nodeId + ".crt"), identityKey.resolveSibling("ca.crt"));
  }

  /**
   * A dataset offered under an alias. Neither the path nor the size ever leaves the node.
   *
   * @param format {@code csv} (tabular jobs) or {@code jsonl} (language-model jobs: one JSON object
   *     per line, {@code {"text": ..., "label": int}} or {@code {"text": ...}})
   * @param validationPath optional held-out file evaluated instead of a split of {@code path}
   * @param budget the dataset's privacy budget; empty means the dataset takes part in
   *     non-private jobs only (a private job needs a budget to account against)
   */
  public record Dataset(String alias, Path path, String format, Optional<Path> validationPath,
      Optional<Budget> budget) {
    /** A dataset without a privacy budget. */
    public Dataset(String alias, Path path, String format, Optional<Path> validationPath) {
      this(alias, path, format, validationPath, Optional.empty());
    }
  }

  /**
   * A dataset's record-level privacy budget, owned by this node alone: the coordinator can
   * neither read nor change it. With a budget, the node takes part only in differentially
   * private jobs, and only while their spend, composed with everything in the ledger, fits.
   *
   * @param epsilonBudget total epsilon the dataset may ever spend, over all jobs; > 0
   * @param delta the delta every epsilon of this dataset refers to, in (0, 1)
   * @param accountant "rdp" or "pld": the accountant of the ledger (composition across jobs)
   * @param ledgerPath the dataset's signed, append-only privacy ledger
   */
  public record Budget(double epsilonBudget, double delta, String accountant, Path ledgerPath) {}

  public Optional<Dataset> dataset(String alias) {
    return datasets.stream().filter(d -> d.alias().equals(alias)).findFirst();
  }

  /** The checkpoint folder of the model this node knows as {@code name}. */
  public Optional<Path> model(String name) {
    return Optional.ofNullable(models.get(name));
  }

  public List<String> aliases() {
    return datasets.stream().map(Dataset::alias).toList();
  }
}
