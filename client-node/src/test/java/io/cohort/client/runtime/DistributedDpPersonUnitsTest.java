package io.cohort.client.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.LocalTrainer;
import io.cohort.client.job.TabularTrainer;
import io.cohort.client.privacy.DistributedDpPlanner;
import io.cohort.client.privacy.PrivacyGuard;
import io.cohort.client.privacy.PrivateJobs;
import io.cohort.crypto.dp.distributed.DistributedDpParameters;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.proto.v1.DistributedDpRound;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LedgerEntry;
import io.cohort.proto.v1.PrivacyMode;
import io.cohort.proto.v1.SecAggPeer;
import io.cohort.proto.v1.SecAggRound;
import io.cohort.proto.v1.SecureAggregationSpec;
import io.cohort.proto.v1.TrainTask;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 #2 in distributed mode, with a real trainer, guard and ledger: a job with {@code privacy.unit:
 * patient_id} is accepted, its q and unit count are over patients (not rows), the round's ledger entry names the
 * unit, and a dataset with a row missing its patient is declined naming the file's line.
 */
class DistributedDpPersonUnitsTest {
  private static final long SEED = 0x19_2d2L;
  /** Patient p0 has 50 rows; p1..p29 have 1 to 3 rows each. */
  private static final int PATIENTS = 30;
  @TempDir Path dir;
  private PrivacyGuard guard;

  @AfterEach
  void close() throws Exception {
    if (guard != null) {
      guard.close();
    }
  }

  /** Rows of patient_id, x, c, y; row {@code blankAt} (a data row index, or -1) has no patient. */
  private Path csv(int blankAt) throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    StringBuilder sb = new StringBuilder("patient_id,x,c,y\n");
    int row = 0;
    for (int p = 0; p < PATIENTS; p++) {
      int rows = p == 0 ? 50 : 1 + r.nextInt(3);
      for (int k = 0; k < rows; k++, row++) {
        double x = r.nextGaussian();
        sb.append(row == blankAt ? "" : "p" + p).append(',').append(x).append(',').append(r.nextBoolean() ? "a" : "b")
            .append(',').append(x > 0 ? "yes" : "no").append('\n');
      }
    }
    Path file = dir.resolve("patients.csv");
    Files.writeString(file, sb);
    return file;
  }

  private static JobSpec spec(double q) {
    JobSpec base = PrivateJobs.spec("ddp-patients", 8, 20);
    return base.toBuilder().setMinNodes(2)
        .setSecureAggregation(SecureAggregationSpec.newBuilder().setEnabled(true).setBits(16).setClip(1.0))
        .setPrivacy(base.getPrivacy().toBuilder().clearLocalSteps().setMode(PrivacyMode.PRIVACY_MODE_DISTRIBUTED)
            .setSamplingRate(q).setExpectedBatchSize(60).setMinHonest(2).setMaxNodes(3).setLocalSteps(1)
            .setUnit("patient_id"))
        .build();
  }

  private static TrainTask task(JobSpec spec, DistributedDpParameters codec) {
    SecAggRound.Builder info = SecAggRound.newBuilder().setSecaggId(1).setThreshold(2).setMinCohortSize(2)
        .setBits(16).setClip(1.0).setMaxExamples(1).setVectorLength(codec.paddedDimension());
    for (int i = 1; i <= 3; i++) {
      info.addPeers(SecAggPeer.newBuilder().setSecaggId(i).setNodeId("n" + i));
    }
    return TrainTask.newBuilder().setSpec(spec).setRound(1).setSecureAggregation(info)
        .setDistributedDp(DistributedDpRound.newBuilder().setContributors(2)
            .setRotationSeed(ByteString.copyFrom(new byte[32])))
        .build();
  }

  private NodeConfig config(Path data) {
    return PrivateJobs.config(dir, data, 20.0, 1);
  }

  @Test
  void aPatientLevelJob_isAccepted_countsAndSamplesPatients_andItsLedgerEntryNamesTheUnit() throws Exception {
    NodeConfig cfg = config(csv(-1));
    guard = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()));
    TabularTrainer trainer = new TabularTrainer(cfg);
    JobSpec spec = spec(1.0);
    assertThat(trainer.check(spec)).as("seed %d", SEED).isEmpty();
    TensorBundle global = trainer.initialParameters(spec);
    guard.setModelDimension(s -> DistributedDpNodeRound.size(global));
    // The unit count q refers to is the patients of the training split (a quarter of the patients are held out
    // whole), far fewer than its rows (p0 alone has 50).
    long units = trainer.trainingExamples(spec);
    assertThat(units).as("seed %d", SEED).isBetween(20L, 24L);
    assertThat(guard.acceptOffer(spec, units)).as("seed %d", SEED).isEmpty();

    DistributedDpParameters codec = DistributedDpPlanner.codec(spec, DistributedDpNodeRound.size(global));
    DistributedDpNodeRound.Encoded e = new DistributedDpNodeRound(trainer, guard).encode(task(spec, codec), global);
    // At q = 1 every training patient is sampled, and each hands the encoder exactly one vector.
    assertThat(e.units()).as("seed %d", SEED).isEqualTo((int) units);
    assertThat(e.admission().spend().unit()).isEqualTo("patient_id");
    guard.record(e.admission());
    List<LedgerEntry> entries = guard.entries("tab", "ddp-patients");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).getPrivacyUnit()).isEqualTo("patient_id");
  }

  @Test
  void aRowWithoutItsPatient_isDeclined_namingTheFileLine() throws Exception {
    NodeConfig cfg = config(csv(57)); // data row 57 is line 59 of the file (after the header)
    guard = new PrivacyGuard(cfg, IdentityKeyPair.loadOrCreate(cfg.identityKey()));
    TabularTrainer trainer = new TabularTrainer(cfg);
    Optional<LocalTrainer.Decline> decline = trainer.check(spec(0.5));
    assertThat(decline).isPresent();
    assertThat(decline.get().localDetail()).contains("patients.csv line 59, column 'patient_id'")
        .contains("missing privacy unit");
    // What travels to the coordinator names the dataset alias and the line, not the local path.
    assertThat(decline.get().publicReason()).contains("dataset 'tab'").contains("line 59")
        .doesNotContain(dir.toString());
  }
}
