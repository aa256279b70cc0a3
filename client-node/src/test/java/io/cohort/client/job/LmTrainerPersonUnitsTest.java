package io.cohort.client.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.config.NodeConfig;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyMode;
import io.cohort.wire.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 #2 for text in distributed mode, on the shipped tiny GPT-2: with {@code privacy.unit: patient_id} a node
 * samples patients and hands the encoder one vector per patient, the clipped sum of all the patient's records'
 * gradients (compared with the record-level vectors of the same records), the unit count is the patients, and a
 * record without its patient is declined with the file's line.
 */
class LmTrainerPersonUnitsTest {
  private static final long SEED = 0x19_7e47L;
  /** Patient p0 has 50 records, interleaved with those of p1..p5 (2 to 4 each). */
  private static final int OTHERS = 5;
  @TempDir static Path dir;
  static String hash;
  static Path validation;

  @BeforeAll
  static void setUp() throws Exception {
    hash = TextJobs.modelHash();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      sb.append("{\"text\": \"").append(i % 3 == 0 ? "corn barley harvest" : "oil dollar merger").append(" rose\", \"label\": ")
          .append(i % 3 == 0 ? 1 : 0).append(", \"patient_id\": ").append(100 + i / 2).append("}\n");
    }
    validation = Files.writeString(dir.resolve("val.jsonl"), sb);
  }

  /** The records' patients in file order; {@code blankAt} (0-based, or -1) has no patient_id field. */
  private static Path records(String name, int blankAt, List<Integer> patientOfRecord) throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    List<Integer> others = new ArrayList<>();
    for (int p = 1; p <= OTHERS; p++) {
      for (int k = 0, n = 2 + r.nextInt(3); k < n; k++) {
        others.add(p);
      }
    }
    StringBuilder sb = new StringBuilder();
    // p0 and the others alternate until the others run out, then p0's remaining records follow.
    List<Integer> order = new ArrayList<>();
    for (int i = 0, p0 = 0, next = 0; p0 < 50 || next < others.size(); i++) {
      if ((i % 2 == 0 || next == others.size()) && p0 < 50) {
        order.add(0);
        p0++;
      } else {
        order.add(others.get(next++));
      }
    }
    for (int i = 0; i < order.size(); i++) {
      int patient = order.get(i);
      patientOfRecord.add(patient);
      int label = r.nextInt(3) == 0 ? 1 : 0;
      String text = (label == 1 ? "wheat harvest grain tonnes " : "bank shares profit rates ") + "said the market "
          + r.nextInt(1000);
      sb.append("{\"text\": \"").append(text).append("\", \"label\": ").append(label)
          .append(i == blankAt ? "" : ", \"patient_id\": \"p" + patient + "\"").append("}\n");
    }
    Path file = dir.resolve(name);
    Files.writeString(file, sb);
    return file;
  }

  private static JobSpec spec(String jobId, String unit) {
    JobSpec.Builder b = TextJobs.seqCls(jobId, hash, true);
    var privacy = TextJobs.privacy(1.0).clearLocalSteps().setMode(PrivacyMode.PRIVACY_MODE_DISTRIBUTED)
        .setSamplingRate(1.0).setExpectedBatchSize(10).setMinHonest(2).setMaxNodes(3).setLocalSteps(1);
    return b.setPrivacy(unit == null ? privacy : privacy.setUnit(unit)).build();
  }

  private static NodeConfig node(Path data) {
    return TextJobs.config("n1", dir, data, Optional.of(validation), Map.of(TextJobs.MODEL_NAME, TextJobs.MODEL),
        Optional.empty());
  }

  @Test
  void onePatientWithFiftyRecords_handsTheEncoderTheClippedSumOfTheirRecordsGradients() throws Exception {
    List<Integer> patientOf = new ArrayList<>();
    LmTrainer node = new LmTrainer(node(records("patients.jsonl", -1, patientOf)));
    JobSpec byPatient = spec("ddp-text-patients", "patient_id");
    JobSpec byRecord = spec("ddp-text-records", null);
    TensorBundle global = node.initialParameters(byPatient);
    // With a validation file every record of the training file trains, in file order.
    assertThat(node.trainingExamples(byRecord)).isEqualTo(patientOf.size());
    assertThat(node.trainingExamples(byPatient)).as("seed %d", SEED).isEqualTo(1 + OTHERS);

    // The direct computation: every record's own gradient (unclipped), summed over patient p0's 50 records.
    List<float[]> perRecord = node.clippedUnitGradients(byRecord, global, 1.0, 1e9);
    float[] want = new float[perRecord.get(0).length];
    int rowsOfP0 = 0;
    for (int i = 0; i < patientOf.size(); i++) {
      if (patientOf.get(i) == 0) {
        rowsOfP0++;
        for (int k = 0; k < want.length; k++) {
          want[k] += perRecord.get(i)[k];
        }
      }
    }
    assertThat(rowsOfP0).isEqualTo(50);
    double clip = LmTrainerTest.norm(want) / 10; // p0's records together are 10 times over C
    double factor = clip / LmTrainerTest.norm(want);

    // q = 1: every patient sampled, one vector each, p0's first (patients in order of first appearance).
    List<float[]> got = node.clippedUnitGradients(byPatient, global, 1.0, clip);
    assertThat(got).hasSize(1 + OTHERS);
    for (float[] g : got) {
      assertThat(LmTrainerTest.norm(g)).as("seed %d", SEED).isLessThanOrEqualTo(clip * (1 + 1e-5));
    }
    for (int k = 0; k < want.length; k++) {
      assertThat((double) got.get(0)[k]).as("seed %d coordinate %d", SEED, k)
          .isCloseTo(want[k] * factor, within(1e-4 * clip + 1e-3 * Math.abs(want[k] * factor)));
    }
  }

  @Test
  void aRecordWithoutItsPatient_isDeclined_namingTheLine_andLocalModeTextUnitsAreRefusedByName() throws Exception {
    LmTrainer node = new LmTrainer(node(records("blank.jsonl", 6, new ArrayList<>())));
    Optional<LocalTrainer.Decline> d = node.check(spec("ddp-text-blank", "patient_id"));
    assertThat(d).isPresent();
    assertThat(d.get().localDetail()).contains("blank.jsonl").contains("7").contains("missing privacy unit")
        .contains("'patient_id'");
    assertThat(d.get().publicReason()).contains("dataset 'news' line 7").contains("missing privacy unit")
        .doesNotContain(dir.toString());

    JobSpec local = TextJobs.seqCls("local-text-patients", hash, true)
        .setPrivacy(TextJobs.privacy(1.0).setUnit("patient_id")).build();
    assertThat(new LmTrainer(node(records("local.jsonl", -1, new ArrayList<>()))).check(local)).get()
        .extracting(LocalTrainer.Decline::publicReason).asString()
        .contains("privacy.unit 'patient_id'").contains("privacy.mode distributed");
  }
}
