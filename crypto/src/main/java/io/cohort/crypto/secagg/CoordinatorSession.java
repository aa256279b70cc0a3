package io.cohort.crypto.secagg;

import io.cohort.crypto.Digests;
import io.cohort.crypto.secagg.internal.Accumulator;
import io.cohort.crypto.secagg.internal.ShamirShare;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.WireWriter;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The coordinator side of one secure-aggregation round: an explicit state machine. For each stage
 * the transport feeds incoming messages to {@code receiveXxx} (which answers with a {@link Receipt})
 * and, when everyone answered or the stage deadline passed, calls {@code closeXxx}, whose result it
 * sends to the stage's survivors. Stragglers arriving after a close are {@link Receipt.Status#LATE}.
 *
 * <pre>
 *   ADVERTISE_KEYS  receiveAdvertiseKeys* closeAdvertiseKeys()  → KeyRoster to U1
 *   SHARE_KEYS      receiveShareKeys*     closeShareKeys()      → ShareKeysRelay per node of U2
 *   MASKED_INPUT    receiveMaskedInput*   closeMaskedInput()    → ConsistencyCheckRequest to U3
 *   CONSISTENCY     receiveConsistency*   closeConsistencyCheck() → UnmaskingRequest to U4
 *   UNMASKING       receiveUnmasking*     finish()              → AggregateResult
 * </pre>
 *
 * <p>Masked inputs are added to one accumulator as they arrive; the session never holds more than
 * that accumulator and the message in hand. Nothing is persisted: a coordinator restart loses the
 * session and the round must be retried with fresh keys (O1). A close with too few survivors, a
 * conflicting duplicate or a failed reconstruction aborts with a reason and no partial result.
 *
 * <p>Security guarantees: the coordinator learns only the sum over U3 (given honest nodes' checks,
 * even if it deviates); a message from outside the session's key list, with another session id or
 * a bad signature is rejected (D9, S8); shares failing their commitment or public-key check are
 * blamed and other share subsets tried (C2, C3). Not thread-safe: serialise calls.
 */
public final class CoordinatorSession {
  private static final System.Logger LOG = System.getLogger(CoordinatorSession.class.getName());

  /** The stages, in protocol order. */
  public enum Stage { ADVERTISE_KEYS, SHARE_KEYS, MASKED_INPUT, CONSISTENCY_CHECK, UNMASKING, DONE, ABORTED }

  private final SecAggParameters params;
  private final String jobId;
  private final long round;
  private final byte[] modelHash;
  private final byte[] configDigest;
  private final CertifiedIdentities certified;

  private Stage stage = Stage.ADVERTISE_KEYS;
  private SecAggAbortException abort;
  private final SortedMap<Integer, AdvertiseKeys> advertised = new TreeMap<>();
  private KeyRoster roster;
  private byte[] sessionId;
  private MaskingGraph graph;
  private final SortedMap<Integer, ShareKeys> shareKeys = new TreeMap<>();
  private final Map<Integer, byte[]> commitments = new HashMap<>();
  private SortedSet<Integer> u2;
  private Accumulator accumulator;
  private final Map<Integer, byte[]> maskedFingerprints = new HashMap<>();
  private final SortedMap<Integer, SortedSet<Integer>> badShareReports = new TreeMap<>();
  private SortedSet<Integer> u3;
  private final SortedMap<Integer, ConsistencyCheckResponse> signatures = new TreeMap<>();
  private UnmaskingRequest unmaskingRequest;
  private SortedSet<Integer> dropped;
  private final SortedMap<Integer, UnmaskingResponse> unmaskings = new TreeMap<>();

  /**
   * @param modelHash hash of the global model this coordinator sent for the round
   * @param configHash hash of the job configuration it sent
   * @param certified the PKI check applied to advertised identities
   */
  public CoordinatorSession(SecAggParameters params, String jobId, long round, byte[] modelHash, byte[] configHash,
      CertifiedIdentities certified) {
    this.params = Objects.requireNonNull(params, "params");
    this.jobId = Objects.requireNonNull(jobId, "jobId");
    this.round = round;
    this.modelHash = modelHash.clone();
    this.configDigest = SecAggNodeSession.configDigest(configHash, params);
    this.certified = Objects.requireNonNull(certified, "certified");
  }

  public Stage stage() {
    return stage;
  }

  public byte[] sessionId() {
    return sessionId == null ? null : sessionId.clone();
  }

  public Receipt receiveAdvertiseKeys(AdvertiseKeys m) throws SecAggAbortException {
    Receipt gate = gate(Stage.ADVERTISE_KEYS);
    if (gate != null) {
      return gate;
    }
    if (!m.jobId().equals(jobId) || m.round() != round) {
      return Receipt.rejected("keys are for another job or round");
    }
    if (!m.verifySignature() || !certified.isCertified(m.nodeId(), m.identity())) {
      return Receipt.rejected("keys of node " + m.nodeId() + " are not signed by a certified identity");
    }
    AdvertiseKeys before = advertised.get(m.nodeId());
    if (before != null) {
      return duplicate(before.equals(m), "AdvertiseKeys from node " + m.nodeId());
    }
    if (advertised.size() >= params.maxCohortSize()) {
      return Receipt.rejected("cohort is full (" + params.maxCohortSize() + " nodes)");
    }
    advertised.put(m.nodeId(), m);
    return Receipt.accepted();
  }

  /** Closes stage 1: U1 = the nodes whose keys arrived. Send the roster to every node of U1. */
  public KeyRoster closeAdvertiseKeys() throws SecAggAbortException {
    expect(Stage.ADVERTISE_KEYS);
    requireSurvivors(advertised.size(), params.requiredSurvivors(), "U1");
    roster = new KeyRoster(jobId, round, new ArrayList<>(advertised.values()));
    sessionId = roster.sessionId();
    graph = MaskingGraph.of(params, roster.nodeIds(), sessionId);
    return moveTo(Stage.SHARE_KEYS, roster, roster.nodeIds().size());
  }

  public Receipt receiveShareKeys(ShareKeys m) throws SecAggAbortException {
    Receipt gate = gate(Stage.SHARE_KEYS);
    if (gate != null) {
      return gate;
    }
    AdvertiseKeys keys = roster.entry(m.sender());
    if (keys == null || !MessageDigest.isEqual(m.sessionId(), sessionId)) {
      return Receipt.rejected("node " + m.sender() + " is not in this session's key list");
    }
    if (!m.verifySignature(keys.identity())) {
      return Receipt.rejected("ShareKeys of node " + m.sender() + " is not validly signed");
    }
    if (!m.ciphertexts().keySet().equals(graph.neighbours(m.sender()))) {
      return Receipt.rejected("ShareKeys of node " + m.sender() + " must hold one ciphertext per neighbour");
    }
    ShareKeys before = shareKeys.get(m.sender());
    if (before != null) {
      return duplicate(before.equals(m), "ShareKeys from node " + m.sender());
    }
    shareKeys.put(m.sender(), m);
    return Receipt.accepted();
  }

  /** Closes stage 2: U2 = the nodes whose shares arrived. Send each node of U2 its relay. */
  public SortedMap<Integer, ShareKeysRelay> closeShareKeys() throws SecAggAbortException {
    expect(Stage.SHARE_KEYS);
    requireSurvivors(shareKeys.size(), params.requiredSurvivors(), "U2");
    u2 = new TreeSet<>(shareKeys.keySet());
    int[] u2Array = SecAggNodeSession.toArray(u2);
    SortedMap<Integer, ShareKeysRelay> relays = new TreeMap<>();
    for (int v : u2) {
      List<ShareKeysRelay.Entry> entries = new ArrayList<>();
      for (ShareKeys from : shareKeys.values()) {
        if (from.sender() != v && graph.areNeighbours(from.sender(), v)) {
          entries.add(new ShareKeysRelay.Entry(from.sender(), from.sessionId(), from.commitment(), from.signature(),
              from.ciphertexts().get(v)));
        }
      }
      relays.put(v, new ShareKeysRelay(sessionId, v, u2Array, entries));
    }
    shareKeys.values().forEach(s -> commitments.put(s.sender(), s.commitment()));
    shareKeys.clear(); // ciphertexts are relayed; keep only the commitments
    accumulator = new Accumulator(params.maskedLengthWords());
    return moveTo(Stage.MASKED_INPUT, relays, u2.size());
  }

  /**
   * Adds y_u to the accumulator. A wrong length, sender or session is rejected (C5, D9, C7): the
   * node then counts as dropped. A repeat is recognised by a fingerprint of its first and last 4 KiB;
   * a conflicting repeat that escaped the fingerprint would be ignored, which is safe (first wins).
   */
  public Receipt receiveMaskedInput(MaskedInput m) throws SecAggAbortException {
    Receipt gate = gate(Stage.MASKED_INPUT);
    if (gate != null) {
      return gate;
    }
    if (!u2.contains(m.sender()) || !MessageDigest.isEqual(m.sessionId(), sessionId)) {
      return Receipt.rejected("node " + m.sender() + " did not share keys in this session");
    }
    if (m.lengthWords() != params.maskedLengthWords()) {
      return Receipt.rejected("masked input of node " + m.sender() + " has " + m.lengthWords() + " words, expected "
          + params.maskedLengthWords());
    }
    byte[] fp = fingerprint(m.payloadBuffer(), m.payloadOffset(), m.lengthWords() * 4);
    byte[] before = maskedFingerprints.get(m.sender());
    if (before != null) {
      return duplicate(MessageDigest.isEqual(before, fp), "MaskedInput from node " + m.sender());
    }
    accumulator.add(m.payloadBuffer(), m.payloadOffset(), m.lengthWords());
    maskedFingerprints.put(m.sender(), fp);
    recordBadShareReport(m.sender(), m.badSharePeers());
    return Receipt.accepted();
  }

  /**
   * C1: a node's report of peers whose shares it could not use. Only U2 neighbours can be named;
   * the report is kept for the operator (a peer reported by several nodes is likely faulty or
   * malicious) and does not change the protocol: those shares are simply missing.
   */
  private void recordBadShareReport(int reporter, int[] peers) {
    SortedSet<Integer> named = new TreeSet<>();
    for (int v : peers) {
      if (u2.contains(v) && graph.areNeighbours(reporter, v)) {
        named.add(v);
      }
    }
    if (!named.isEmpty()) {
      badShareReports.put(reporter, named);
      LOG.log(System.Logger.Level.WARNING, "secagg coordinator job {0} round {1}: node {2} reports unusable shares"
          + " from nodes {3}", jobId, round, reporter, named);
    }
  }

  /** Reports of unusable shares (C1), by reporting node: whom each could not use. */
  public SortedMap<Integer, SortedSet<Integer>> badShareReports() {
    SortedMap<Integer, SortedSet<Integer>> copy = new TreeMap<>();
    badShareReports.forEach((k, v) -> copy.put(k, new TreeSet<>(v)));
    return copy;
  }

  private static byte[] fingerprint(byte[] buf, int off, int len) {
    int edge = Math.min(4096, len);
    WireWriter w = new WireWriter().i32(len);
    w.fixed(java.util.Arrays.copyOfRange(buf, off, off + edge));
    w.fixed(java.util.Arrays.copyOfRange(buf, off + len - edge, off + len));
    return Digests.sha256(w.toByteArray());
  }

  /** Closes stage 3: U3 = the nodes whose masked inputs were summed. */
  public ConsistencyCheckRequest closeMaskedInput() throws SecAggAbortException {
    expect(Stage.MASKED_INPUT);
    requireSurvivors(maskedFingerprints.size(), params.requiredSurvivors(), "U3");
    u3 = new TreeSet<>(maskedFingerprints.keySet());
    return moveTo(Stage.CONSISTENCY_CHECK, new ConsistencyCheckRequest(sessionId, SecAggNodeSession.toArray(u3)), u3.size());
  }

  /** Accepts a consistency signature that verifies over this coordinator's U3, model and config (S6). */
  public Receipt receiveConsistencyCheck(ConsistencyCheckResponse m) throws SecAggAbortException {
    Receipt gate = gate(Stage.CONSISTENCY_CHECK);
    if (gate != null) {
      return gate;
    }
    if (!u3.contains(m.sender()) || !MessageDigest.isEqual(m.sessionId(), sessionId)) {
      return Receipt.rejected("node " + m.sender() + " is not in U3 of this session");
    }
    byte[] transcript = Transcripts.consistency(sessionId, SecAggNodeSession.toArray(u3), modelHash, configDigest);
    if (!roster.entry(m.sender()).identity().verify(transcript, m.signature())) {
      return Receipt.rejected("node " + m.sender() + " signed another survivor set, model or configuration");
    }
    ConsistencyCheckResponse before = signatures.get(m.sender());
    if (before != null) {
      return duplicate(before.equals(m), "ConsistencyCheck from node " + m.sender());
    }
    signatures.put(m.sender(), m);
    return Receipt.accepted();
  }

  /**
   * Closes stage 4: needs the consistency threshold of signatures; asks U4 for b-shares of U3 and
   * s^SK-shares of U2 \ U3. With a k-regular graph, send each node {@link #unmaskingRequestFor} instead:
   * a node refuses a request naming a dropped node that is not its neighbour (S2).
   */
  public UnmaskingRequest closeConsistencyCheck() throws SecAggAbortException {
    expect(Stage.CONSISTENCY_CHECK);
    requireSurvivors(signatures.size(), params.consistencyThreshold(), "U4");
    dropped = new TreeSet<>(u2);
    dropped.removeAll(u3);
    List<UnmaskingRequest.Signature> sigs = new ArrayList<>();
    signatures.values().forEach(s -> sigs.add(new UnmaskingRequest.Signature(s.sender(), s.signature())));
    unmaskingRequest = new UnmaskingRequest(sessionId, SecAggNodeSession.toArray(dropped), sigs);
    return moveTo(Stage.UNMASKING, unmaskingRequest, signatures.size());
  }

  /**
   * The unmasking request for {@code node}: the dropped nodes among its neighbours, with every
   * consistency signature. With the complete graph it equals the one {@link #closeConsistencyCheck}
   * returned.
   */
  public UnmaskingRequest unmaskingRequestFor(int node) {
    if (stage != Stage.UNMASKING || unmaskingRequest == null) {
      throw new IllegalStateException("no unmasking request in stage " + stage);
    }
    int[] mine = dropped.stream().filter(v -> graph.areNeighbours(node, v)).mapToInt(Integer::intValue).toArray();
    return new UnmaskingRequest(sessionId, mine, unmaskingRequest.signatures());
  }

  public Receipt receiveUnmasking(UnmaskingResponse m) throws SecAggAbortException {
    Receipt gate = gate(Stage.UNMASKING);
    if (gate != null) {
      return gate;
    }
    if (!signatures.containsKey(m.sender()) || !MessageDigest.isEqual(m.sessionId(), sessionId)) {
      return Receipt.rejected("node " + m.sender() + " is not in U4 of this session");
    }
    if (!m.verifySignature(roster.entry(m.sender()).identity())) {
      return Receipt.rejected("unmasking response of node " + m.sender() + " is not validly signed");
    }
    String bad = checkShareOwners(m);
    if (bad != null) {
      return Receipt.rejected("unmasking response of node " + m.sender() + ": " + bad);
    }
    UnmaskingResponse before = unmaskings.get(m.sender());
    if (before != null) {
      return duplicate(before.equals(m), "Unmasking from node " + m.sender());
    }
    unmaskings.put(m.sender(), m);
    return Receipt.accepted();
  }

  private String checkShareOwners(UnmaskingResponse m) {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (UnmaskingResponse.OwnedShare s : m.selfMaskShares()) {
      if (!u3.contains(s.owner()) || !seen.add(s.owner())) {
        return "self-mask share of node " + s.owner() + " not asked for, or twice";
      }
    }
    for (UnmaskingResponse.OwnedShare s : m.maskKeyShares()) {
      if (!dropped.contains(s.owner()) || !seen.add(s.owner())) {
        return "mask-key share of node " + s.owner() + " not asked for, or twice";
      }
    }
    for (List<UnmaskingResponse.OwnedShare> l : List.of(m.selfMaskShares(), m.maskKeyShares())) {
      for (UnmaskingResponse.OwnedShare s : l) {
        if (ShamirShare.parse(s.share()).index() != m.sender()) {
          return "a share is not at the sender's own index";
        }
      }
    }
    return null;
  }

  /** Closes stage 5 and unmasks: needs t responses; returns the sum over U3, or aborts. */
  public AggregateResult finish() throws SecAggAbortException {
    expect(Stage.UNMASKING);
    try {
      requireSurvivors(unmaskings.size(), params.threshold(), "U5");
      CoordinatorUnmasking u = new CoordinatorUnmasking(params, roster, sessionId, graph);
      u.unmask(accumulator, u3, dropped, unmaskings.values(), commitments);
      AggregateResult r = new AggregateResult(accumulator.words(), params, u3, dropped, u.blamed());
      unmaskings.clear();
      accumulator = null;
      return moveTo(Stage.DONE, r, u3.size());
    } catch (SecAggAbortException e) {
      throw abort(e);
    }
  }

  /** Aborts from outside (a deadline for the whole round, a shutdown). */
  public void abort(String detail) {
    if (stage != Stage.ABORTED) {
      abort(new SecAggAbortException(AbortReason.CANCELLED, detail));
    }
  }

  private SecAggAbortException abort(SecAggAbortException e) {
    if (abort == null) {
      abort = e;
      LOG.log(System.Logger.Level.WARNING, "secagg coordinator job {0} round {1} aborted in stage {2}: {3}", jobId,
          round, stage, e.getMessage());
    }
    stage = Stage.ABORTED;
    accumulator = null;
    unmaskings.clear();
    shareKeys.clear();
    return abort;
  }

  /** Null when a message for {@code s} may be processed now; else LATE, or a throw once aborted. */
  private Receipt gate(Stage s) throws SecAggAbortException {
    if (stage == Stage.ABORTED) {
      throw abort;
    }
    if (stage == s) {
      return null;
    }
    return stage.ordinal() > s.ordinal() ? Receipt.late(stage) : Receipt.rejected("stage " + s + " not open yet");
  }

  private Receipt duplicate(boolean identical, String what) throws SecAggAbortException {
    if (identical) {
      return Receipt.duplicate();
    }
    throw abort(new SecAggAbortException(AbortReason.CONFLICTING_DUPLICATE, "two different copies of " + what));
  }

  private void expect(Stage s) throws SecAggAbortException {
    if (stage == Stage.ABORTED) {
      throw abort;
    }
    if (stage != s) {
      throw new IllegalStateException("cannot close " + s + " in stage " + stage);
    }
  }

  private void requireSurvivors(int have, int need, String set) throws SecAggAbortException {
    if (have < need) {
      throw abort(new SecAggAbortException(AbortReason.TOO_FEW_SURVIVORS, set + " has " + have + " nodes, at least "
          + need + " are required"));
    }
  }

  private <T> T moveTo(Stage next, T out, int survivors) {
    LOG.log(System.Logger.Level.INFO, "secagg coordinator job {0} round {1}: {2} closed with {3} nodes", jobId, round,
        stage, survivors);
    stage = next;
    return out;
  }

  @Override
  public String toString() {
    return "CoordinatorSession[job=" + jobId + ", round=" + round + ", stage=" + stage + "]";
  }
}
