package io.cohort.crypto.secagg;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import io.cohort.crypto.secagg.internal.Quantizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * An in-memory fake transport: n node state machines and one coordinator, every message passing as
 * bytes (encode → decode) so the tests exercise exactly what a gRPC layer would carry. Dropouts,
 * stragglers and tampering are injected per stage. Everything is seeded except key material.
 */
final class Harness {
  /** Rewrites the bytes of a message; the default passes them unchanged. */
  interface Tamper {
    byte[] apply(Stage stage, int node, boolean toNode, byte[] bytes);
  }

  private static final Map<Integer, IdentityKeyPair> IDENTITY_CACHE = new HashMap<>();

  final SecAggParameters params;
  final long seed;
  final List<Integer> ids = new ArrayList<>();
  final Map<Integer, IdentityKeyPair> identities = new TreeMap<>();
  final Map<Integer, SecAggNodeSession> nodes = new TreeMap<>();
  final Map<Integer, ModelUpdate> updates = new TreeMap<>();
  final Map<Integer, SecAggAbortException> nodeAborts = new TreeMap<>();
  final Map<Stage, Set<Integer>> drops = new EnumMap<>(Stage.class);
  final Map<Stage, Set<Integer>> late = new EnumMap<>(Stage.class);
  final List<Receipt> lateReceipts = new ArrayList<>();
  final Map<Integer, byte[]> modelHashes = new HashMap<>();
  Tamper tamper = (s, n, t, b) -> b;
  CertifiedIdentities certified;
  CertifiedIdentities coordinatorCertified;
  CoordinatorSession coordinator;
  String jobId = "job-1";
  long round = 1;
  byte[] modelHash = "model-v1".getBytes(StandardCharsets.UTF_8);
  byte[] configHash = "config-v1".getBytes(StandardCharsets.UTF_8);

  Harness(SecAggParameters params, int n, long seed) {
    this.params = params;
    this.seed = seed;
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 1; i <= n; i++) {
      int id = 100 + 7 * i; // non-contiguous ids: Shamir points need not be 1..n
      ids.add(id);
      identities.put(id, identity(id));
      float[] x = new float[params.vectorLength()];
      for (int j = 0; j < x.length; j++) {
        x[j] = (float) ((r.nextDouble() * 2.4 - 1.2) * params.clipBound()); // some beyond ±c, to be clipped
      }
      long count = params.weighting() == SecAggParameters.Weighting.UNIFORM ? 1 : 1 + r.nextLong(params.maxExampleCount());
      updates.put(id, new ModelUpdate(x, count));
    }
    Map<Integer, IdentityPublicKey> enrolled = new HashMap<>();
    identities.forEach((id, kp) -> enrolled.put(id, kp.publicKey()));
    certified = (id, key) -> key.equals(enrolled.get(id));
    for (Stage s : Stage.values()) {
      drops.put(s, new HashSet<>());
      late.put(s, new HashSet<>());
    }
  }

  /** Ed25519 identities are long-term, so reusing them across tests is realistic and saves time. */
  static synchronized IdentityKeyPair identity(int id) {
    return IDENTITY_CACHE.computeIfAbsent(id, k -> IdentityKeyPair.generate());
  }

  Harness drop(Stage beforeSending, Integer... nodeIds) {
    drops.get(beforeSending).addAll(List.of(nodeIds));
    return this;
  }

  Harness straggle(Stage stage, Integer... nodeIds) {
    late.get(stage).addAll(List.of(nodeIds));
    return this;
  }

  SecAggNodeSession newNode(int id) {
    return SecAggNodeSession.builder(params).round(jobId, round).node(id, identities.get(id))
        .received(modelHashes.getOrDefault(id, modelHash), configHash).certifiedIdentities(certified)
        .roundingSeedForTest(seed * 31 + id).build();
  }

  /** Runs the whole round; returns the coordinator's result or throws its abort. */
  AggregateResult run() throws Exception {
    coordinator = new CoordinatorSession(params, jobId, round, modelHash, configHash,
        coordinatorCertified != null ? coordinatorCertified : certified);
    for (int id : ids) {
      nodes.put(id, newNode(id));
    }
    Set<Integer> alive = new HashSet<>(ids);
    // Stage 1
    List<Runnable> after = new ArrayList<>();
    for (int id : ids) {
      if (skip(Stage.ADVERTISE_KEYS, id, alive)) {
        continue;
      }
      byte[] b = nodes.get(id).advertiseKeys().encode();
      deliver(Stage.ADVERTISE_KEYS, id, after, () -> coordinator.receiveAdvertiseKeys(
          AdvertiseKeys.decode(tamper.apply(Stage.ADVERTISE_KEYS, id, false, b))));
    }
    byte[] roster = coordinator.closeAdvertiseKeys().encode();
    after.forEach(Runnable::run);
    after.clear();
    // Stage 2
    for (int id : ids) {
      if (skip(Stage.SHARE_KEYS, id, alive)) {
        continue;
      }
      byte[] b = onNode(id, () -> nodes.get(id).shareKeys(KeyRoster.decode(tamper.apply(Stage.SHARE_KEYS, id, true,
          roster))).encode());
      if (b != null) {
        deliver(Stage.SHARE_KEYS, id, after, () -> coordinator.receiveShareKeys(
            ShareKeys.decode(tamper.apply(Stage.SHARE_KEYS, id, false, b))));
      }
    }
    Map<Integer, ShareKeysRelay> relays = coordinator.closeShareKeys();
    after.forEach(Runnable::run);
    after.clear();
    // Stage 3
    for (int id : relays.keySet()) {
      if (skip(Stage.MASKED_INPUT, id, alive)) {
        continue;
      }
      byte[] relay = relays.get(id).encode();
      byte[] b = onNode(id, () -> nodes.get(id).maskedInput(ShareKeysRelay.decode(tamper.apply(Stage.MASKED_INPUT, id,
          true, relay)), updates.get(id)).encode());
      if (b != null) {
        deliver(Stage.MASKED_INPUT, id, after, () -> coordinator.receiveMaskedInput(
            MaskedInput.decode(tamper.apply(Stage.MASKED_INPUT, id, false, b))));
      }
    }
    byte[] check = coordinator.closeMaskedInput().encode();
    after.forEach(Runnable::run);
    after.clear();
    // Stage 4
    for (int id : ConsistencyCheckRequest.decode(check).survivors()) {
      if (skip(Stage.CONSISTENCY_CHECK, id, alive)) {
        continue;
      }
      byte[] b = onNode(id, () -> nodes.get(id).consistencyCheck(ConsistencyCheckRequest.decode(
          tamper.apply(Stage.CONSISTENCY_CHECK, id, true, check))).encode());
      if (b != null) {
        deliver(Stage.CONSISTENCY_CHECK, id, after, () -> coordinator.receiveConsistencyCheck(
            ConsistencyCheckResponse.decode(tamper.apply(Stage.CONSISTENCY_CHECK, id, false, b))));
      }
    }
    UnmaskingRequest unmask = coordinator.closeConsistencyCheck();
    after.forEach(Runnable::run);
    after.clear();
    // Stage 5
    for (UnmaskingRequest.Signature s : unmask.signatures()) {
      int id = s.signer();
      if (skip(Stage.UNMASKING, id, alive)) {
        continue;
      }
      byte[] unmaskBytes = coordinator.unmaskingRequestFor(id).encode();
      byte[] b = onNode(id, () -> nodes.get(id).unmask(UnmaskingRequest.decode(tamper.apply(Stage.UNMASKING, id, true,
          unmaskBytes))).encode());
      if (b != null) {
        deliver(Stage.UNMASKING, id, after, () -> coordinator.receiveUnmasking(
            UnmaskingResponse.decode(tamper.apply(Stage.UNMASKING, id, false, b))));
      }
    }
    AggregateResult r = coordinator.finish();
    after.forEach(Runnable::run);
    return r;
  }

  /** Drives a fresh round, all nodes honest, to the open masked-input stage; returns the relays. */
  java.util.SortedMap<Integer, ShareKeysRelay> openAtMaskedInput() throws Exception {
    coordinator = new CoordinatorSession(params, jobId, round, modelHash, configHash, certified);
    for (int id : ids) {
      if (!drops.get(Stage.ADVERTISE_KEYS).contains(id)) {
        nodes.put(id, newNode(id));
        coordinator.receiveAdvertiseKeys(nodes.get(id).advertiseKeys());
      }
    }
    KeyRoster roster = coordinator.closeAdvertiseKeys();
    for (SecAggNodeSession n : nodes.values()) {
      coordinator.receiveShareKeys(n.shareKeys(roster));
    }
    return coordinator.closeShareKeys();
  }

  private boolean skip(Stage s, int id, Set<Integer> alive) {
    if (drops.get(s).contains(id)) {
      alive.remove(id);
    }
    return !alive.contains(id) || nodeAborts.containsKey(id);
  }

  interface Call<T> {
    T call() throws Exception;
  }

  private byte[] onNode(int id, Call<byte[]> c) throws Exception {
    try {
      return c.call();
    } catch (SecAggAbortException e) {
      nodeAborts.put(id, e);
      return null;
    }
  }

  private void deliver(Stage s, int id, List<Runnable> after, Call<Receipt> send) throws Exception {
    if (late.get(s).contains(id)) {
      after.add(() -> {
        try {
          lateReceipts.add(send.call());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      return;
    }
    Receipt r = send.call();
    if (!r.isAccepted()) {
      lateReceipts.add(r);
    }
  }

  /** The plaintext: Σ over {@code survivors} of each node's quantised update (same rounding coins). */
  long[] expectedIntegerSum(Set<Integer> survivors) {
    long[] sum = new long[params.vectorLength() + 1];
    for (int id : survivors) {
      ModelUpdate u = updates.get(id);
      boolean weighted = params.weighting() == SecAggParameters.Weighting.EXAMPLE_COUNT;
      double scale = weighted ? (double) u.exampleCount() / params.maxExampleCount() : 1.0;
      Quantizer q = new Quantizer(params.quantizationBits(), params.clipBound(),
          params.rounding() == SecAggParameters.Rounding.STOCHASTIC, new SplittableRandom(seed * 31 + id));
      for (int j = 0; j < params.vectorLength(); j++) {
        sum[j] += q.quantize(u.values()[j], scale);
      }
      sum[params.vectorLength()] += weighted ? u.exampleCount() : 1;
    }
    return sum;
  }

  /** Σ over survivors of the clipped, scaled float updates. */
  double[] expectedFloatSum(Set<Integer> survivors) {
    double[] sum = new double[params.vectorLength()];
    for (int id : survivors) {
      ModelUpdate u = updates.get(id);
      double scale = params.weighting() == SecAggParameters.Weighting.EXAMPLE_COUNT
          ? (double) u.exampleCount() / params.maxExampleCount() : 1.0;
      for (int j = 0; j < sum.length; j++) {
        double c = params.clipBound();
        sum[j] += Math.max(-c, Math.min(c, u.values()[j] * scale));
      }
    }
    return sum;
  }

  Set<Integer> idsExcept(Integer... excluded) {
    Set<Integer> s = new java.util.TreeSet<>(ids);
    s.removeAll(List.of(excluded));
    return s;
  }

  int id(int i) {
    return ids.get(i);
  }

  static SecAggParameters params(int n, int t, int d) throws InvalidSecAggParametersException {
    return SecAggParameters.builder().maxCohortSize(n).threshold(t).minCohortSize(Math.min(3, t)).vectorLength(d)
        .quantizationBits(16).clipBound(1.0).build();
  }
}
