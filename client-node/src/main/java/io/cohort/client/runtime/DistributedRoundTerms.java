package io.cohort.client.runtime;

import io.cohort.client.privacy.RoundRefusedException;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.TrainTask;

/**
 * The node's own check of a distributed-DP round's terms (issue 19 #1), before anything is admitted,
 * computed, recorded or sent: the contributor count its noise share is sized for is the round's
 * secure-aggregation threshold t (the fewest inputs the coordinator can unmask, which the library
 * enforces at unmasking), never the coordinator's say-so. A round is refused when the coordinator
 * states another count (more would make the shares too small; any mismatch means it does not run the
 * round it claims), when t is below the node's {@code min_honest} floor, when more nodes take part
 * than the job's {@code max_nodes}, or when the round's vector length is not the codec's.
 */
final class DistributedRoundTerms {
  private DistributedRoundTerms() {}

  /**
   * The contributor count k to size this node's share for.
   *
   * @throws RoundRefusedException naming what is wrong; the node then writes no ledger entry
   */
  static int contributors(TrainTask t, DistributedDpParameters codec) throws RoundRefusedException {
    if (!t.hasSecureAggregation() || !t.hasDistributedDp()) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + " comes without secure aggregation or"
          + " its distributed-DP terms; refused, since the node's noise share protects only a secure sum");
    }
    SecAggRound info = t.getSecureAggregation();
    int k = info.getThreshold();
    int claimed = t.getDistributedDp().getContributors();
    if (claimed != k) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + ": the coordinator sized the noise"
          + " shares for " + claimed + " contributors, but the round's secure-aggregation threshold (the fewest"
          + " inputs it can unmask) is " + k + "; refused");
    }
    if (info.getPeersCount() > codec.maxNodes()) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + " has " + info.getPeersCount()
          + " participants, more than the job's privacy.max_nodes " + codec.maxNodes() + "; refused");
    }
    if (k > info.getPeersCount()) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + ": threshold " + k + " exceeds its "
          + info.getPeersCount() + " participants; refused");
    }
    if (info.getVectorLength() != codec.paddedDimension()) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + ": the round masks "
          + info.getVectorLength() + " words, the job's codec needs " + codec.paddedDimension() + "; refused");
    }
    if (t.getDistributedDp().getRotationSeed().size() != 32) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + ": the rotation seed must be 32 bytes");
    }
    try {
      codec.checkContributors(k);
    } catch (DpParameterException e) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + ": " + e.getMessage());
    }
    return k;
  }
}
