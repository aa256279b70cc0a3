package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.TabularTrainer;
import io.cohort.client.privacy.DistributedDpPlanner;
import io.cohort.client.privacy.PrivacyGuard;
import io.cohort.client.privacy.PrivateJobs;
import io.cohort.client.privacy.RoundRefusedException;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.proto.v1.DistributedDpRound;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;
import io.cohort.proto.v1.SecAggPeer;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecureAggregationSpec;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's side of a distributed-DP round with a real trainer, guard and ledger (issue 19 #1): a
 * coordinator that misstates the contributor count, or asks for a round below the node's min_honest
 * floor or above max_nodes, is refused before anything is spent, and the ledger stays empty; an
 * honest round yields the codec's D words and an admission whose spend dominates the distributed one.
 */
class DistributedDpNodeRoundTest {
  private static final long SEED = 1919;
  @TempDir Path dir;
  private NodeConfig cfg;
  private PrivacyGuard guard;
  private TabularTrainer trainer;
  private DistributedDpNodeRound round;
  private JobSpec spec;
  private TensorBundle global;
  private DistributedDpParameters codec;

  @BeforeEach
  void setUp() throws Exception {
    cfg = PrivateJobs.config(dir, PrivateJobs.csv(dir, SEED), 20.0, 1);
    guard = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()));
    trainer = new TabularTrainer(cfg);
    JobSpec base = PrivateJobs.spec("ddp-job", 8, 20);
    spec = base.toBuilder().setMinNodes(2)
        .setSecureAggregation(SecureAggregationSpec.newBuilder().setEnabled(true).setBits(16).setClip(1.0))
        .setPrivacy(base.getPrivacy().toBuilder().clearLocalSteps().setMode(PrivacyMode.PRIVACY_MODE_DISTRIBUTED)
            .setSamplingRate(0.5).setExpectedBatchSize(90).setMinHonest(2).setMaxNodes(3).setLocalSteps(1))
        .build();
    global = trainer.initialParameters(spec);
    guard.setModelDimension(s -> DistributedDpNodeRound.size(global));
    round = new DistributedDpNodeRound(trainer, guard);
    codec = DistributedDpPlanner.codec(spec, DistributedDpNodeRound.size(global));
  }

  @AfterEach
  void close() throws Exception {
    guard.close();
  }

  private TrainTask task(int peers, int threshold, int claimed) {
    SecAggRound.Builder info = SecAggRound.newBuilder().setSecaggId(1).setThreshold(threshold).setMinCohortSize(2)
        .setBits(16).setClip(1.0).setMaxExamples(1).setVectorLength(codec.paddedDimension());
    for (int i = 1; i <= peers; i++) {
      info.addPeers(SecAggPeer.newBuilder().setSecaggId(i).setNodeId("n" + i));
    }
    return TrainTask.newBuilder().setSpec(spec).setRound(1).setSecureAggregation(info)
        .setDistributedDp(DistributedDpRound.newBuilder().setContributors(claimed)
            .setRotationSeed(ByteString.copyFrom(new byte[32])))
        .build();
  }

  private int ledgerEntries() throws Exception {
    Path file = cfg.datasets().get(0).budget().orElseThrow().ledgerPath();
    if (!java.nio.file.Files.exists(file)) {
      return 0;
    }
    return PrivacyLedger.verify(file, IdentityKeyPair.loadOrCreate(cfg.identityKey()).publicKey(),
        RdpAccountant.create()).entries().size();
  }

  @Test
  void aCoordinatorStatingMoreContributorsThanItsThreshold_isRefused() throws Exception {
    // 3 peers, threshold 2: only 2 inputs may end up in the sum, but the coordinator says 3, so each
    // node's share would be a third of the noise and two could release 2/3 of it.
    assertThatThrownBy(() -> round.encode(task(3, 2, 3), global)).isInstanceOf(RoundRefusedException.class)
        .hasMessageContaining("sized the noise shares for 3 contributors")
        .hasMessageContaining("threshold (the fewest inputs it can unmask) is 2");
    assertThat(ledgerEntries()).as("seed %d", SEED).isZero();
  }

  @Test
  void aCoordinatorStatingFewerContributorsThanTookPart_isRefused() throws Exception {
    assertThatThrownBy(() -> round.encode(task(3, 3, 2), global)).isInstanceOf(RoundRefusedException.class)
        .hasMessageContaining("sized the noise shares for 2 contributors");
    assertThat(ledgerEntries()).isZero();
  }

  @Test
  void aRoundBelowTheMinHonestFloor_isRefused() throws Exception {
    assertThatThrownBy(() -> round.encode(task(2, 1, 1), global)).isInstanceOf(RoundRefusedException.class)
        .hasMessageContaining("below this node's min_honest floor of 2");
    assertThat(ledgerEntries()).isZero();
  }

  @Test
  void aRoundWithMoreNodesThanMaxNodes_isRefused() throws Exception {
    assertThatThrownBy(() -> round.encode(task(4, 3, 3), global)).isInstanceOf(RoundRefusedException.class)
        .hasMessageContaining("more than the job's privacy.max_nodes 3");
    assertThat(ledgerEntries()).isZero();
  }

  @Test
  void anHonestRound_givesTheCodecsWords_andASpendThatTheLedgerRecords() throws Exception {
    DistributedDpNodeRound.Encoded e = round.encode(task(3, 2, 2), global);
    assertThat(e.words()).hasSize(codec.paddedDimension());
    assertThat(e.contributors()).isEqualTo(2);
    // About q = 0.5 of the 60 training rows (80 less the 25% held out) are sampled.
    assertThat(e.units()).as("seed %d", SEED).isBetween(10, 50);
    assertThat(e.admission().plan().stepsPerRound()).isEqualTo(1);
    assertThat(e.admission().plan().noiseMultiplier()).isLessThanOrEqualTo(codec.noiseMultiplier());
    guard.record(e.admission());
    assertThat(ledgerEntries()).isEqualTo(1);
  }
}
