package io.cohort.crypto.secagg;

import io.cohort.crypto.secagg.internal.Accumulator;
import io.cohort.crypto.secagg.internal.MaskSeeds;
import io.cohort.crypto.secagg.internal.Masker;
import io.cohort.crypto.secagg.internal.PrimeField;
import io.cohort.crypto.secagg.internal.SecretBytes;
import io.cohort.crypto.secagg.internal.Shamir;
import io.cohort.crypto.secagg.internal.ShamirShare;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.X25519KeyPair;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The coordinator's last step (Bonawitz et al. 2017, section 4, round 4): rebuild b_v for every v in
 * U3 and s_v^SK for every dropped v, each checked (commitment H(b_v), C3; derived public key, C2)
 * with robust subset search and blame; then remove the self masks and the dropped nodes' pairwise
 * masks from the accumulator, and range-check the result (C7).
 */
final class CoordinatorUnmasking {
  private final SecAggParameters params;
  private final KeyRoster roster;
  private final byte[] sessionId;
  private final MaskingGraph graph;
  private final SortedSet<Integer> blamed = new TreeSet<>();

  CoordinatorUnmasking(SecAggParameters params, KeyRoster roster, byte[] sessionId, MaskingGraph graph) {
    this.params = params;
    this.roster = roster;
    this.sessionId = sessionId;
    this.graph = graph;
  }

  SortedSet<Integer> blamed() {
    return blamed;
  }

  void unmask(Accumulator acc, SortedSet<Integer> u3, SortedSet<Integer> dropped,
      Collection<UnmaskingResponse> responses, Map<Integer, byte[]> commitments) throws SecAggAbortException {
    int words = params.maskedLengthWords();
    int[] a = acc.words();
    // Rebuild and check every secret first, then remove all masks in one pass over the accumulator.
    List<Masker.Mask> masks = new ArrayList<>();
    for (int v : u3) {
      byte[] expected = commitments.get(v);
      BigInteger b = rebuild(v, shares(responses, v, true),
          s -> MessageDigest.isEqual(expected, Transcripts.selfMaskCommitment(sessionId, v, PrimeField.toLittleEndian(s))),
          "self-mask seed");
      byte[] bLe = PrimeField.toLittleEndian(b);
      masks.add(new Masker.Mask(MaskSeeds.selfMask(bLe, sessionId), false)); // y_v carries +PRG(b_v)
      java.util.Arrays.fill(bLe, (byte) 0);
    }
    for (int v : dropped) {
      byte[] pk = roster.entry(v).maskPublicKey();
      BigInteger sk = rebuild(v, shares(responses, v, false),
          s -> MessageDigest.isEqual(pk, X25519KeyPair.publicKeyOf(PrimeField.toLittleEndian(s))), "mask secret key");
      SecretBytes skBytes = SecretBytes.wrap(PrimeField.toLittleEndian(sk));
      for (int u : u3) {
        if (graph.areNeighbours(u, v)) {
          // y_u carries +PRG(s_uv) if u < v and -PRG(s_uv) if u > v (the node's sign convention).
          masks.add(new Masker.Mask(MaskSeeds.pairwise(skBytes, roster.entry(u).maskPublicKey(), sessionId), u > v));
        }
      }
      skBytes.destroy();
    }
    Masker.unmask(a, masks);
    // Ring words may be anything in Z_2^32 (only their sum matters): no coordinate bound to check.
    long bound = params.encoding() == SecAggParameters.Encoding.RING_WORDS ? Long.MAX_VALUE
        : (long) u3.size() * params.quantizationLevels();
    boolean uniform = params.weighting() == SecAggParameters.Weighting.UNIFORM;
    long minWeight = uniform ? u3.size() : 0;
    long maxWeight = (long) u3.size() * params.maxExampleCount();
    int bad = acc.firstOutOfRange(bound, minWeight, maxWeight);
    if (bad >= 0) {
      throw new SecAggAbortException(AbortReason.MASKS_DID_NOT_CANCEL, "coordinate " + bad
          + " of the unmasked sum is outside what " + u3.size() + " honest inputs can produce");
    }
    if (Integer.toUnsignedLong(a[words - 1]) == 0) {
      throw new SecAggAbortException(AbortReason.ZERO_TOTAL_WEIGHT, "the survivors' total weight is zero");
    }
  }

  private static List<ShamirShare> shares(Collection<UnmaskingResponse> responses, int owner, boolean selfMask) {
    List<ShamirShare> out = new ArrayList<>();
    for (UnmaskingResponse r : responses) {
      for (UnmaskingResponse.OwnedShare s : selfMask ? r.selfMaskShares() : r.maskKeyShares()) {
        if (s.owner() == owner) {
          out.add(ShamirShare.parse(s.share()));
        }
      }
    }
    return out;
  }

  private BigInteger rebuild(int owner, List<ShamirShare> shares, java.util.function.Predicate<BigInteger> check,
      String what) throws SecAggAbortException {
    if (shares.size() < params.threshold()) {
      throw new SecAggAbortException(AbortReason.CANNOT_RECONSTRUCT, "only " + shares.size() + " shares of node "
          + owner + "'s " + what + ", threshold is " + params.threshold());
    }
    Optional<Shamir.Recovered> r = Shamir.robustCombine(shares, params.threshold(), check);
    if (r.isEmpty()) {
      throw new SecAggAbortException(AbortReason.CANNOT_RECONSTRUCT, "no " + params.threshold() + " of the "
          + shares.size() + " shares of node " + owner + "'s " + what + " pass the check");
    }
    blamed.addAll(r.get().blamedIndices());
    return r.get().secret();
  }
}
