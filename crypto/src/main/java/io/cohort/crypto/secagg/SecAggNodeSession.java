package io.cohort.crypto.secagg;

import io.cohort.crypto.Digests;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.secagg.internal.Masker;
import io.cohort.crypto.secagg.internal.Quantizer;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.WireWriter;
import io.cohort.crypto.secagg.internal.X25519KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The node side of one secure-aggregation round (Bonawitz et al., CCS 2017, active-adversary
 * variant): an explicit state machine whose stages take and return typed messages that a transport
 * carries as bytes ({@code encode}/{@code decode}).
 *
 * <pre>
 *   ADVERTISE_KEYS --advertiseKeys()--> SHARE_KEYS --shareKeys(KeyRoster)--> MASKED_INPUT
 *   --maskedInput(ShareKeysRelay, ModelUpdate)--> CONSISTENCY_CHECK
 *   --consistencyCheck(ConsistencyCheckRequest)--> UNMASKING --unmask(UnmaskingRequest)--> DONE
 *   any stage --failed check / abort()--> ABORTED (secrets wiped, nothing more is sent)
 * </pre>
 *
 * <p>Security guarantees (each check costs nothing and always runs):
 * <ul>
 *   <li>fresh X25519 key pairs and self-mask seed per round, from {@link SecureRandom} (S7);
 *   <li>every key-list entry signed by a certified identity, no identity twice, own entry intact,
 *       at least max(t, n_min) members (S4, S5, D7);
 *   <li>a validly signed peer header with another session id aborts (S4); a share that fails to
 *       decrypt or names the wrong sender or recipient is handled by the {@link
 *       SecAggParameters.BadSharePolicy} (C1);
 *   <li>the masked input is sent only to a U2 of at least max(t, n_min) members (D7);
 *   <li>shares are released only after t valid consistency signatures over this node's own
 *       (session, U3, model hash, config hash) (S3, S6); the dropped list must be disjoint from U3,
 *       duplicate-free, within U2, not this node, and neighbours only (S1, S2);
 *   <li>a node never releases both shares of one peer, answers at most one unmasking request,
 *       and after an abort releases nothing (D5);
 *   <li>a request for an older session is refused (S8); a repeated identical request gets the same
 *       answer, a conflicting one aborts (D11);
 *   <li>secrets are wiped on completion or abort (best effort; O3); logs carry ids and counts only.
 * </ul>
 * Not thread-safe: a transport drives one session from one thread at a time.
 */
public final class SecAggNodeSession {
  private static final System.Logger LOG = System.getLogger(SecAggNodeSession.class.getName());

  /** The stages, in protocol order. */
  public enum Stage { ADVERTISE_KEYS, SHARE_KEYS, MASKED_INPUT, CONSISTENCY_CHECK, UNMASKING, DONE, ABORTED }

  private final SecAggParameters params;
  private final String jobId;
  private final long round;
  private final int nodeId;
  private final IdentityKeyPair identity;
  private final byte[] modelHash;
  private final byte[] configDigest;
  private final CertifiedIdentities certified;
  private final SecureRandom random;
  private final RandomGenerator roundingRandom;
  private final NodeSecrets secrets = new NodeSecrets();
  private final Map<Stage, byte[]> requestDigests = new EnumMap<>(Stage.class);
  private final Map<Stage, Object> responses = new EnumMap<>(Stage.class);

  private Stage stage = Stage.ADVERTISE_KEYS;
  private SecAggAbortException abort;
  private KeyRoster roster;
  private byte[] sessionId;
  private MaskingGraph graph;
  private SortedSet<Integer> u2;
  private SortedSet<Integer> u3;

  private SecAggNodeSession(Builder b) {
    params = b.params;
    jobId = Objects.requireNonNull(b.jobId, "jobId");
    round = b.round;
    nodeId = b.nodeId;
    identity = Objects.requireNonNull(b.identity, "identity");
    modelHash = Objects.requireNonNull(b.modelHash, "modelHash").clone();
    configDigest = configDigest(Objects.requireNonNull(b.configHash, "configHash"), params);
    certified = Objects.requireNonNull(b.certified, "certifiedIdentities");
    random = b.random;
    roundingRandom = b.roundingRandom != null ? b.roundingRandom : new SplittableRandom(random.nextLong());
    WireTags.checkId(nodeId, "nodeId");
  }

  /** What nodes sign as "the configuration": the caller's config hash bound to the SecAgg parameters. */
  static byte[] configDigest(byte[] configHash, SecAggParameters params) {
    return Digests.sha256(new WireWriter().bytes(configHash)
        .bytes(params.fingerprint()).toByteArray());
  }

  public static Builder builder(SecAggParameters params) {
    return new Builder(params);
  }

  public Stage stage() {
    return stage;
  }

  public int nodeId() {
    return nodeId;
  }

  /** The session id once the key list is known (after {@link #shareKeys}), else null. */
  public byte[] sessionId() {
    return sessionId == null ? null : sessionId.clone();
  }

  /** Peers whose shares failed to decrypt or check (C1), to report to the operator. */
  public SortedSet<Integer> badSharePeers() {
    return new TreeSet<>(secrets.badPeers);
  }

  /** Stage 1: fresh per-round key pairs, signed with the identity key. */
  public AdvertiseKeys advertiseKeys() throws SecAggAbortException {
    Object cached = replay(Stage.ADVERTISE_KEYS, new byte[0]);
    if (cached != null) {
      return (AdvertiseKeys) cached;
    }
    secrets.cipherKeys = X25519KeyPair.generate(random);
    secrets.maskKeys = X25519KeyPair.generate(random);
    AdvertiseKeys m = AdvertiseKeys.sign(jobId, round, nodeId, identity, secrets.cipherKeys.publicKey(),
        secrets.maskKeys.publicKey());
    return advance(Stage.ADVERTISE_KEYS, new byte[0], m, Stage.SHARE_KEYS);
  }

  /** Stage 2: checks the key list, then shares b_u and s^SK t-of-n, encrypted per recipient. */
  public ShareKeys shareKeys(KeyRoster keys) throws SecAggAbortException {
    byte[] digest = Digests.sha256(keys.encode());
    Object cached = replay(Stage.SHARE_KEYS, digest);
    if (cached != null) {
      return (ShareKeys) cached;
    }
    try {
      NodeChecks.checkRoster(keys, params, jobId, round, nodeId, (AdvertiseKeys) responses.get(Stage.ADVERTISE_KEYS),
          certified);
      roster = keys;
      sessionId = keys.sessionId();
      graph = MaskingGraph.of(params, keys.nodeIds(), sessionId);
      ShareKeys m = secrets.shareKeys(params, round, nodeId, identity, keys, graph, sessionId, random);
      return advance(Stage.SHARE_KEYS, digest, m, Stage.MASKED_INPUT);
    } catch (SecAggAbortException e) {
      throw abort(e);
    }
  }

  /**
   * Stage 3: decrypts the shares addressed to this node, then returns the masked, quantised update.
   * Rejects a malformed update (wrong length, weight out of range, NaN or infinity) with an
   * {@link IllegalArgumentException} before anything is computed, staying in this stage.
   */
  public MaskedInput maskedInput(ShareKeysRelay relay, ModelUpdate update) throws SecAggAbortException {
    byte[] digest = Digests.sha256(relay.encode());
    Object cached = replay(Stage.MASKED_INPUT, digest);
    if (cached != null) {
      return (MaskedInput) cached;
    }
    update.validate(params);
    try {
      NodeChecks.checkSession(relay.sessionId(), sessionId);
      if (relay.recipient() != nodeId) {
        throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS,
            "relay addressed to node " + relay.recipient());
      }
      u2 = NodeChecks.survivorSet(relay.survivors(), roster.nodeIds(), nodeId, params.requiredSurvivors(), "U2");
      secrets.receiveShares(params, round, nodeId, roster, graph, u2, relay, sessionId);
      List<Masker.Mask> masks = secrets.masks(nodeId, roster, graph, u2, sessionId);
      boolean weighted = params.weighting() == SecAggParameters.Weighting.EXAMPLE_COUNT;
      double scale = weighted ? (double) update.exampleCount() / params.maxExampleCount() : 1.0;
      int weightWord = weighted ? (int) update.exampleCount() : 1;
      Quantizer q = new Quantizer(params.quantizationBits(), params.clipBound(),
          params.rounding() == SecAggParameters.Rounding.STOCHASTIC, roundingRandom);
      byte[] payload = update.isEncoded() ? Masker.maskWords(update.encodedWords(), weightWord, masks)
          : Masker.mask(q, update.values(), scale, weightWord, masks);
      // The key pairs and b_u are no longer needed: only shares are ever released from here on.
      secrets.destroyKeysAndSeed();
      return advance(Stage.MASKED_INPUT, digest,
          new MaskedInput(sessionId, nodeId, payload, toArray(new TreeSet<>(secrets.badPeers))), Stage.CONSISTENCY_CHECK);
    } catch (SecAggAbortException e) {
      throw abort(e);
    }
  }

  /** Stage 4: signs (session, U3, model hash, config hash). */
  public ConsistencyCheckResponse consistencyCheck(ConsistencyCheckRequest request) throws SecAggAbortException {
    byte[] digest = Digests.sha256(request.encode());
    Object cached = replay(Stage.CONSISTENCY_CHECK, digest);
    if (cached != null) {
      return (ConsistencyCheckResponse) cached;
    }
    try {
      NodeChecks.checkSession(request.sessionId(), sessionId);
      u3 = NodeChecks.survivorSet(request.survivors(), u2, nodeId, params.requiredSurvivors(), "U3");
      // The masked payload is no longer needed for a resend once the coordinator has moved on.
      responses.remove(Stage.MASKED_INPUT);
      byte[] sig = identity.sign(Transcripts.consistency(sessionId, toArray(u3), modelHash, configDigest));
      return advance(Stage.CONSISTENCY_CHECK, digest, new ConsistencyCheckResponse(sessionId, nodeId, sig),
          Stage.UNMASKING);
    } catch (SecAggAbortException e) {
      throw abort(e);
    }
  }

  /** Stage 5: after the checks, b-shares for U3 and s^SK-shares for the dropped nodes. */
  public UnmaskingResponse unmask(UnmaskingRequest request) throws SecAggAbortException {
    byte[] digest = Digests.sha256(request.encode());
    Object cached = replay(Stage.UNMASKING, digest);
    if (cached != null) {
      return (UnmaskingResponse) cached;
    }
    try {
      NodeChecks.checkSession(request.sessionId(), sessionId);
      NodeChecks.checkConsistencySignatures(request, roster, u3, params.consistencyThreshold(),
          Transcripts.consistency(sessionId, toArray(u3), modelHash, configDigest));
      SortedSet<Integer> dropped = NodeChecks.checkDropped(request.dropped(), u2, u3, nodeId, graph);
      UnmaskingResponse r = secrets.release(nodeId, identity, sessionId, u3, dropped);
      UnmaskingResponse out = advance(Stage.UNMASKING, digest, r, Stage.DONE);
      secrets.destroyAll();
      return out;
    } catch (SecAggAbortException e) {
      throw abort(e);
    }
  }

  /** Aborts the session from outside (round cancelled, coordinator gone): wipes secrets, sends nothing more. */
  public void abort(String detail) {
    if (stage != Stage.ABORTED) {
      abort(new SecAggAbortException(AbortReason.CANCELLED, detail));
    }
  }

  private SecAggAbortException abort(SecAggAbortException e) {
    if (abort == null) {
      abort = e;
      LOG.log(System.Logger.Level.WARNING, "secagg node {0} round {1} aborted in stage {2}: {3}",
          nodeId, round, stage, e.getMessage());
    }
    stage = Stage.ABORTED;
    secrets.destroyAll();
    responses.clear();
    return abort;
  }

  /**
   * Handles a request for {@code requestStage}: null when it is the current stage (go ahead), the
   * earlier answer for an identical repeat, and an abort for a conflicting repeat or any request
   * after an abort.
   */
  private Object replay(Stage requestStage, byte[] digest) throws SecAggAbortException {
    if (stage == Stage.ABORTED) {
      throw abort;
    }
    if (stage == requestStage) {
      return null;
    }
    byte[] seen = requestDigests.get(requestStage);
    if (seen != null && MessageDigest.isEqual(seen, digest)) {
      Object r = responses.get(requestStage);
      if (r != null) {
        return r;
      }
      throw new IllegalStateException("duplicate " + requestStage + " request after the stage closed; ignored");
    }
    if (seen == null && requestStage.ordinal() > stage.ordinal()) {
      throw new IllegalStateException("request for stage " + requestStage + " while in stage " + stage);
    }
    throw abort(new SecAggAbortException(AbortReason.CONFLICTING_DUPLICATE,
        "a different " + requestStage + " request after that stage was answered"));
  }

  private <T> T advance(Stage from, byte[] digest, T response, Stage to) {
    requestDigests.put(from, digest);
    responses.put(from, response);
    stage = to;
    LOG.log(System.Logger.Level.DEBUG, "secagg node {0} round {1}: {2} -> {3}", nodeId, round, from, to);
    return response;
  }

  static int[] toArray(SortedSet<Integer> s) {
    return s.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The share-encryption key pair, for the C1 test that forges a well-encrypted but mislabelled share. */
  X25519KeyPair cipherKeysForTest() {
    return secrets.cipherKeys;
  }

  /** Secrets still held, for the O3 log test only. */
  List<byte[]> secretsForTest() {
    return secrets.snapshotForTest();
  }

  @Override
  public String toString() {
    return "SecAggNodeSession[node=" + nodeId + ", round=" + round + ", stage=" + stage + "]";
  }

  /** Builds a session; at most a handful of values each, checked when set. */
  public static final class Builder {
    private final SecAggParameters params;
    private String jobId;
    private long round;
    private int nodeId;
    private IdentityKeyPair identity;
    private byte[] modelHash;
    private byte[] configHash;
    private CertifiedIdentities certified;
    private SecureRandom random = new SecureRandom();
    private RandomGenerator roundingRandom;

    private Builder(SecAggParameters params) {
      this.params = Objects.requireNonNull(params, "params");
    }

    public Builder round(String jobId, long round) {
      this.jobId = Objects.requireNonNull(jobId, "jobId");
      this.round = round;
      return this;
    }

    public Builder node(int nodeId, IdentityKeyPair identity) {
      WireTags.checkId(nodeId, "nodeId");
      this.nodeId = nodeId;
      this.identity = identity;
      return this;
    }

    /** Hashes of the global model and of the job configuration this node received (S6). */
    public Builder received(byte[] modelHash, byte[] configHash) {
      this.modelHash = modelHash;
      this.configHash = configHash;
      return this;
    }

    public Builder certifiedIdentities(CertifiedIdentities c) {
      this.certified = c;
      return this;
    }

    /**
     * The source of key pairs, seeds, Shamir coefficients and nonces (default: a new {@link
     * SecureRandom}). Must be a cryptographically strong generator, such as a DRBG or an HSM's;
     * the benchmarks pass a seeded one to replay a node's round exactly.
     */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Test hook: seeds stochastic rounding only (keys and seeds stay on SecureRandom). */
    Builder roundingSeedForTest(long seed) {
      this.roundingRandom = new SplittableRandom(seed);
      return this;
    }

    public SecAggNodeSession build() {
      return new SecAggNodeSession(this);
    }
  }
}
