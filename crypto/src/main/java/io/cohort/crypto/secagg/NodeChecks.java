package io.cohort.crypto.secagg;

import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** The node's free checks on what the coordinator sends (see {@link SecAggNodeSession}'s guarantees). */
final class NodeChecks {
  private NodeChecks() {}

  static void checkRoster(KeyRoster keys, SecAggParameters params, String jobId, long round, int self,
      AdvertiseKeys own, CertifiedIdentities certified) throws SecAggAbortException {
    if (!keys.jobId().equals(jobId) || keys.round() != round) {
      throw new SecAggAbortException(AbortReason.SESSION_MISMATCH, "key list for job/round " + keys.round()
          + " is not this round " + round);
    }
    if (!own.equals(keys.entry(self))) {
      throw new SecAggAbortException(AbortReason.BAD_SIGNATURE, "this node's own keys are missing or altered");
    }
    int n = keys.entries().size();
    if (n > params.maxCohortSize()) {
      throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS, "key list has " + n
          + " nodes, more than maxCohortSize " + params.maxCohortSize());
    }
    Set<Object> identities = new HashSet<>();
    Set<String> publicKeys = new HashSet<>();
    int certifiedCount = 0;
    for (AdvertiseKeys e : keys.entries()) {
      if (!e.jobId().equals(jobId) || e.round() != round || !e.verifySignature()) {
        throw new SecAggAbortException(AbortReason.BAD_SIGNATURE, "entry of node " + e.nodeId()
            + " is not validly signed for this round");
      }
      if (!identities.add(e.identity())
          || !publicKeys.add(java.util.HexFormat.of().formatHex(e.cipherPublicKey()))
          || !publicKeys.add(java.util.HexFormat.of().formatHex(e.maskPublicKey()))) {
        throw new SecAggAbortException(AbortReason.BAD_SIGNATURE, "node " + e.nodeId()
            + " reuses an identity or key of another entry");
      }
      if (certified.isCertified(e.nodeId(), e.identity())) {
        certifiedCount++;
      }
    }
    if (certifiedCount < params.minCohortSize()) {
      throw new SecAggAbortException(AbortReason.TOO_FEW_CERTIFIED_IDENTITIES, "only " + certifiedCount
          + " certified identities, minimum cohort size is " + params.minCohortSize());
    }
    if (certifiedCount < n) {
      throw new SecAggAbortException(AbortReason.BAD_SIGNATURE, (n - certifiedCount)
          + " key-list entries are not certified");
    }
    if (n < params.requiredSurvivors()) {
      throw new SecAggAbortException(AbortReason.TOO_FEW_SURVIVORS, "key list has " + n + " nodes, at least "
          + params.requiredSurvivors() + " (max of t and n_min) are required");
    }
  }

  static void checkSession(byte[] got, byte[] mine) throws SecAggAbortException {
    if (mine == null || !MessageDigest.isEqual(got, mine)) {
      throw new SecAggAbortException(AbortReason.SESSION_MISMATCH, "request is for another session");
    }
  }

  /** A survivor list: no duplicates, within {@code allowed}, containing {@code self}, at least {@code required}. */
  static SortedSet<Integer> survivorSet(int[] ids, Set<Integer> allowed, int self, int required, String name)
      throws SecAggAbortException {
    SortedSet<Integer> set = new TreeSet<>();
    for (int id : ids) {
      if (!set.add(id)) {
        throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS, name + " lists node " + id + " twice");
      }
      if (!allowed.contains(id)) {
        throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS, name + " lists node " + id
            + ", which was not a survivor of the previous stage");
      }
    }
    if (!set.contains(self)) {
      throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS, name + " omits this node");
    }
    if (set.size() < required) {
      throw new SecAggAbortException(AbortReason.TOO_FEW_SURVIVORS, name + " has " + set.size()
          + " nodes, at least " + required + " are required");
    }
    return set;
  }

  /** At least t valid signatures, from distinct members of U3, on this node's own consistency transcript. */
  static void checkConsistencySignatures(UnmaskingRequest request, KeyRoster roster, SortedSet<Integer> u3,
      int threshold, byte[] transcript) throws SecAggAbortException {
    Set<Integer> signers = new HashSet<>();
    for (UnmaskingRequest.Signature s : request.signatures()) {
      if (!u3.contains(s.signer()) || !signers.add(s.signer())) {
        throw new SecAggAbortException(AbortReason.CONSISTENCY_CHECK_FAILED, "signature of node " + s.signer()
            + " is a duplicate or not from U3");
      }
      if (!roster.entry(s.signer()).identity().verify(transcript, s.signature())) {
        throw new SecAggAbortException(AbortReason.CONSISTENCY_CHECK_FAILED, "node " + s.signer()
            + " signed a different survivor set, model or configuration");
      }
    }
    if (signers.size() < threshold) {
      throw new SecAggAbortException(AbortReason.CONSISTENCY_CHECK_FAILED, "only " + signers.size()
          + " consistency signatures, threshold is " + threshold);
    }
  }

  /** The dropped list: no duplicates, disjoint from U3, within U2, not this node, neighbours only. */
  static SortedSet<Integer> checkDropped(int[] dropped, SortedSet<Integer> u2, SortedSet<Integer> u3, int self,
      MaskingGraph graph) throws SecAggAbortException {
    SortedSet<Integer> set = new TreeSet<>();
    for (int v : dropped) {
      String why = null;
      if (!set.add(v)) {
        why = "is listed twice";
      } else if (v == self) {
        why = "is this node itself";
      } else if (u3.contains(v)) {
        why = "is both alive (in U3) and dropped";
      } else if (!u2.contains(v)) {
        why = "had already dropped before U2";
      } else if (!graph.areNeighbours(self, v)) {
        why = "is not a neighbour";
      }
      if (why != null) {
        throw new SecAggAbortException(AbortReason.INCONSISTENT_SURVIVOR_SETS, "dropped node " + v + " " + why);
      }
    }
    return set;
  }
}
