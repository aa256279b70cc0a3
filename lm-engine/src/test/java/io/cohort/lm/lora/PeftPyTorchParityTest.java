package io.cohort.lm.lora;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.peft.MergedCheckpoint;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.model.Pass;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PEFT adapter trained by Cohort for tiny-llama3, read by an independent PyTorch reference that
 * applies W + (alpha/r) B A on the modules the adapter names, gives the logits Cohort computes with
 * the adapter attached, and Cohort's merged export gives them too (fixture and its provenance in
 * {@code src/test/resources/peft-parity/README.md}).
 */
class PeftPyTorchParityTest {
  private static final Path BASE = Path.of("..", "examples", "llama", "tiny-llama3");
  private static final Path FIXTURE = Path.of("src", "test", "resources", "peft-parity");
  private static JsonNode reference;
  private static int[] ids;
  private static int[] columns;
  private static double scale;

  @BeforeAll
  static void readReference() throws Exception {
    reference = new ObjectMapper().readTree(FIXTURE.resolve("pytorch-logits.json").toFile());
    ids = toInts(reference.get("ids"));
    columns = toInts(reference.get("columns"));
    for (JsonNode row : reference.get("logits")) {
      for (JsonNode v : row) {
        scale = Math.max(scale, Math.abs(v.asDouble()));
      }
    }
  }

  @Test
  void cohortWithTheAdapterAttachedGivesPyTorchsLogits() throws Exception {
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(BASE));
    assertThat(relativeError(logits(model))).as("the base model without the adapter is far from the reference")
        .isGreaterThan(1e-2);
    PeftExport.attach(model, PeftAdapter.read(FIXTURE.resolve("adapter")), false);
    float[] got = logits(model);
    System.out.printf("adapter attached: max |Cohort - PyTorch| / logit scale %.3f = %.2e%n", scale, relativeError(got));
    assertThat(relativeError(got)).as("max |Cohort - PyTorch| / logit scale %.3f", scale).isLessThan(1e-4);
    assertWholeVocabularyAgrees(got);
  }

  @Test
  void theMergedExportGivesPyTorchsLogits(@TempDir Path tmp) throws Exception {
    Path merged = tmp.resolve("merged");
    MergedCheckpoint.write(BASE, PeftAdapter.read(FIXTURE.resolve("adapter")), merged);
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(merged));
    float[] got = logits(model);
    System.out.printf("merged export: max |Cohort - PyTorch| / logit scale %.3f = %.2e%n", scale, relativeError(got));
    assertThat(relativeError(got)).as("merged export vs PyTorch, relative to %.3f", scale).isLessThan(1e-4);
    assertWholeVocabularyAgrees(got);
  }

  /** Each position's argmax and maximum over all 128,256 logits match the reference's. */
  private static void assertWholeVocabularyAgrees(float[] got) {
    int vocab = got.length / ids.length;
    for (int t = 0; t < ids.length; t++) {
      int best = 0;
      for (int v = 1; v < vocab; v++) {
        if (got[t * vocab + v] > got[t * vocab + best]) {
          best = v;
        }
      }
      double refMax = reference.get("row_max").get(t).asDouble();
      assertThat(Math.abs(got[t * vocab + best] - refMax) / scale).as("row max at position %d", t).isLessThan(1e-4);
      int refArg = reference.get("argmax").get(t).asInt();
      // Equal, or a tie within float error with the reference's choice.
      assertThat(best == refArg || Math.abs(got[t * vocab + refArg] - got[t * vocab + best]) / scale < 1e-5)
          .as("argmax at position %d: Cohort %d, PyTorch %d", t, best, refArg).isTrue();
    }
  }

  private static double relativeError(float[] got) {
    int vocab = got.length / ids.length;
    double worst = 0;
    JsonNode rows = reference.get("logits");
    for (int t = 0; t < ids.length; t++) {
      for (int j = 0; j < columns.length; j++) {
        worst = Math.max(worst, Math.abs(got[t * vocab + columns[j]] - rows.get(t).get(j).asDouble()));
      }
    }
    return worst / scale;
  }

  private static float[] logits(LlamaModel model) {
    float[] hidden = model.forward(ids, Pass.inference(1, ids.length), null);
    float[] out = new float[ids.length * model.vocabSize()];
    model.logits(hidden, 0, ids.length, out);
    return out;
  }

  private static int[] toInts(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
