package io.cohort.bench.secagg;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.AdvertiseKeys;
import io.cohort.crypto.secagg.ConsistencyCheckRequest;
import io.cohort.crypto.secagg.CoordinatorSession;
import io.cohort.crypto.secagg.KeyRoster;
import io.cohort.crypto.secagg.ModelUpdate;
import io.cohort.crypto.secagg.SecAggNodeSession;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.ShareKeysRelay;
import io.cohort.crypto.secagg.UnmaskingRequest;
import io.cohort.crypto.secagg.UnmaskingResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One complete round of n nodes and a coordinator (tiny vectors), recorded so that node 1's side
 * can be replayed alone: node 1 draws from a seeded generator, so a fresh session built with the
 * same seed produces the same keys and messages, and the recorded coordinator messages stay valid
 * for it. That isolates one node's setup cost (keys, shares, signatures and verifications) from
 * the coordinator's and the other nodes'.
 */
final class ReplayedRound {
  static final int NODE = 1;
  private static final byte[] REPLAY_SEED = "cohort-bench-replay".getBytes(StandardCharsets.UTF_8);

  final SecAggParameters params;
  final Map<Integer, IdentityKeyPair> identities = new TreeMap<>();
  final ModelUpdate update;
  KeyRoster roster;
  ShareKeysRelay relay;
  ConsistencyCheckRequest check;
  UnmaskingRequest unmasking;

  ReplayedRound(int n) throws Exception {
    params = SecAggParameters.recommended(n, 16, 1.0);
    update = ModelUpdate.unweighted(new float[16]);
    for (int id = 1; id <= n; id++) {
      identities.put(id, IdentityKeyPair.generate());
    }
    record();
  }

  static SecureRandom replayRandom() {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(REPLAY_SEED); // before any output: the stream is then a function of the seed alone
      return r;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA1PRNG is in every JDK", e);
    }
  }

  SecAggNodeSession newNode(int id) {
    Map<Integer, IdentityPublicKey> enrolled = new HashMap<>();
    identities.forEach((k, v) -> enrolled.put(k, v.publicKey()));
    SecAggNodeSession.Builder b = SecAggNodeSession.builder(params).round("bench", 1).node(id, identities.get(id))
        .received(new byte[32], new byte[32]).certifiedIdentities((i, key) -> key.equals(enrolled.get(i)));
    return (id == NODE ? b.random(replayRandom()) : b).build();
  }

  private void record() throws Exception {
    Map<Integer, IdentityPublicKey> enrolled = new HashMap<>();
    identities.forEach((k, v) -> enrolled.put(k, v.publicKey()));
    CoordinatorSession c = new CoordinatorSession(params, "bench", 1, new byte[32], new byte[32],
        (i, key) -> key.equals(enrolled.get(i)));
    SortedMap<Integer, SecAggNodeSession> nodes = new TreeMap<>();
    for (int id : identities.keySet()) {
      nodes.put(id, newNode(id));
      c.receiveAdvertiseKeys(AdvertiseKeys.decode(nodes.get(id).advertiseKeys().encode()));
    }
    roster = c.closeAdvertiseKeys();
    for (SecAggNodeSession s : nodes.values()) {
      c.receiveShareKeys(s.shareKeys(roster));
    }
    SortedMap<Integer, ShareKeysRelay> relays = c.closeShareKeys();
    relay = relays.get(NODE);
    for (SecAggNodeSession s : nodes.values()) {
      c.receiveMaskedInput(s.maskedInput(relays.get(s.nodeId()), update));
    }
    check = c.closeMaskedInput();
    for (SecAggNodeSession s : nodes.values()) {
      c.receiveConsistencyCheck(s.consistencyCheck(check));
    }
    unmasking = c.closeConsistencyCheck();
    for (SecAggNodeSession s : nodes.values()) {
      c.receiveUnmasking(s.unmask(unmasking));
    }
    c.finish();
    replayNode(); // fails here, not in the timed loop, if the replay were not exact
  }

  /** Node 1's whole round again, from fresh state: what the setup benchmark times. */
  UnmaskingResponse replayNode() throws Exception {
    SecAggNodeSession s = newNode(NODE);
    s.advertiseKeys();
    s.shareKeys(roster);
    s.maskedInput(relay, update);
    s.consistencyCheck(check);
    return s.unmask(unmasking);
  }
}
