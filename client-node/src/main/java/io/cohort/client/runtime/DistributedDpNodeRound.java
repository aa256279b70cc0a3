package io.cohort.client.runtime;

import io.cohort.client.job.LocalTrainer;
import io.cohort.client.privacy.DistributedDpPlanner;
import io.cohort.client.privacy.PrivacyGuard;
import io.cohort.client.privacy.RoundRefusedException;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.distributed.DistributedDpEncoder;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.io.IOException;
import java.util.List;

/**
 * The node's computation of one distributed-DP round, between the task's arrival and the masking:
 * derive the job's codec for the global model's size, check the round's terms
 * ({@link DistributedRoundTerms}), be admitted by the privacy guard, Poisson-sample and clip the
 * units' gradients ({@link LocalTrainer#clippedUnitGradients}), and encode them with this node's
 * discrete Gaussian share ({@link DistributedDpEncoder}, coins and noise from SecureRandom). Records
 * nothing and sends nothing: the caller records the admission's spend before anything leaves.
 */
final class DistributedDpNodeRound {
  private final LocalTrainer trainer;
  private final PrivacyGuard privacy;

  /** The round's words and what produced them. */
  record Encoded(int[] words, PrivacyGuard.Admission admission, int units, int contributors) {}

  DistributedDpNodeRound(LocalTrainer trainer, PrivacyGuard privacy) {
    this.trainer = trainer;
    this.privacy = privacy;
  }

  /**
   * @throws RoundRefusedException when the round's terms or the budget do not allow it (nothing spent)
   */
  Encoded encode(TrainTask t, TensorBundle global)
      throws RoundRefusedException, IOException, LocalTrainer.LocalDataException {
    DistributedDpParameters codec;
    try {
      codec = DistributedDpPlanner.codec(t.getSpec(), size(global));
    } catch (DpParameterException e) {
      throw new RoundRefusedException("privacy: " + e.getMessage());
    }
    int k = DistributedRoundTerms.contributors(t, codec);
    PrivacyGuard.Admission admission = privacy.admit(t.getSpec(), t.getRound(), trainer.trainingExamples(t.getSpec()))
        .orElseThrow(() -> new RoundRefusedException("distributed-DP round " + t.getRound()
            + ": the dataset has no privacy budget on this node; refused"));
    DistributedDpEncoder encoder;
    try {
      encoder = DistributedDpEncoder.begin(codec, t.getDistributedDp().getRotationSeed().toByteArray(), k);
    } catch (DpParameterException e) {
      throw new RoundRefusedException("distributed-DP round " + t.getRound() + ": " + e.getMessage());
    }
    List<float[]> units = trainer.clippedUnitGradients(t.getSpec(), global, admission.plan().samplingRate(),
        codec.clipNorm());
    for (float[] g : units) {
      encoder.addUnit(g);
    }
    return new Encoded(encoder.finish(), admission, units.size(), k);
  }

  /** The number of parameters of a model: d of the codec. */
  static int size(TensorBundle model) {
    long d = 0;
    for (Tensor t : model.tensors()) {
      d += t.size();
    }
    if (d > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the model has " + d + " parameters, too many for distributed DP");
    }
    return (int) d;
  }
}
