package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our forward pass against PyTorch's on the shipped tiny GPT-2 (examples/text/tiny-gpt2-reuters,
 * golden.json computed in float32 from the stored F16 weights).
 */
class GoldenLogitsTest {
  static final Path MODEL = Path.of("..", "examples", "text", "tiny-gpt2-reuters");
  private static Gpt2Model model;
  private static JsonNode golden;
  private static int[] ids;
  private static float[] logits;

  @BeforeAll
  static void run() throws Exception {
    model = Gpt2Model.fromCheckpoint(Checkpoint.load(MODEL));
    golden = new ObjectMapper().readTree(MODEL.resolve("golden.json").toFile());
    JsonNode in = golden.get("input_ids");
    ids = new int[in.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = in.get(i).asInt();
    }
    float[] hidden = model.forward(ids, Pass.inference(1, ids.length), null);
    logits = new float[ids.length * model.shape().vocabSize()];
    model.logits(hidden, 0, ids.length, logits);
  }

  @Test
  void firstAndLastPositionLogitsMatchWithin1e3() {
    int v = model.shape().vocabSize();
    JsonNode first = golden.get("logits_first_pos_first_16");
    JsonNode last = golden.get("logits_last_pos_first_16");
    for (int i = 0; i < 16; i++) {
      assertThat(logits[i]).as("logit %d at position 0", i).isCloseTo((float) first.get(i).asDouble(), within(1e-3f));
      assertThat(logits[(ids.length - 1) * v + i]).as("logit %d at the last position", i)
          .isCloseTo((float) last.get(i).asDouble(), within(1e-3f));
    }
  }

  @Test
  void rightPaddedBatchGivesEachSequenceItsOwnLogits() {
    // 12 sequences of different lengths, padded with id 0: large enough for the multi-threaded paths.
    int v = model.shape().vocabSize();
    int n = 12;
    int t = ids.length;
    int[] batch = new int[n * t];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      lengths[i] = t - 5 * i;
      System.arraycopy(ids, 0, batch, i * t, lengths[i]);
    }
    float[] hidden = model.forward(batch, Pass.inference(n, t), null);
    float[] row = new float[v];
    for (int i = 0; i < n; i++) {
      int last = lengths[i] - 1;
      model.logits(hidden, i * t + last, 1, row);
      for (int c = 0; c < v; c += 97) {
        assertThat(row[c]).as("sequence %d, logit %d at its last position", i, c)
            .isCloseTo(logits[last * v + c], within(1e-4f));
      }
    }
  }

  @Test
  void logSumExpArgmaxAndMeanNllMatch() {
    int v = model.shape().vocabSize();
    double nll = 0;
    for (int p = 0; p < ids.length; p++) {
      int best = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < v; c++) {
        if (logits[p * v + c] > max) {
          max = logits[p * v + c];
          best = c;
        }
      }
      double z = 0;
      for (int c = 0; c < v; c++) {
        z += Math.exp(logits[p * v + c] - max);
      }
      double lse = max + Math.log(z);
      assertThat(lse).as("logsumexp at position %d", p).isCloseTo(golden.get("logsumexp").get(p).asDouble(),
          within(1e-3));
      assertThat(best).as("argmax at position %d", p).isEqualTo(golden.get("argmax").get(p).asInt());
      if (p + 1 < ids.length) {
        nll += lse - logits[p * v + ids[p + 1]];
      }
    }
    assertThat(nll / (ids.length - 1)).isCloseTo(golden.get("mean_nll").asDouble(), within(1e-4));
  }
}
