package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our Llama-family forward pass against the PyTorch reference of make_tiny_llama.py on the tiny
 * checkpoints in examples/llama (golden.json: float32 maths on the stored BF16/F32 weights).
 * Acceptance: logits within 1e-4 of the logit scale, mean NLL within 1e-5 relative, same argmax.
 */
class LlamaGoldenTest {
  static final Path DIR = Path.of("..", "examples", "llama");

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3", "tiny-qwen3", "tiny-mistral"})
  void logitsAndNllMatchPyTorch(String name) throws Exception {
    Path dir = DIR.resolve(name);
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(dir));
    JsonNode golden = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
    JsonNode in = golden.get("input_ids");
    int t = in.size();
    int[] ids = new int[t];
    for (int i = 0; i < t; i++) {
      ids[i] = in.get(i).asInt();
    }
    int v = model.vocabSize();
    float[] hidden = model.forward(ids, Pass.inference(1, t), null);
    float[] logits = new float[t * v];
    model.logits(hidden, 0, t, logits);

    double nll = 0;
    double scale = 0;
    double maxErr = 0;
    int argmaxMismatches = 0;
    for (int p = 0; p < t; p++) {
      int o = p * v;
      int best = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < v; c++) {
        if (logits[o + c] > max) {
          max = logits[o + c];
          best = c;
        }
      }
      if (best != golden.get("argmax").get(p).asInt()) {
        argmaxMismatches++;
      }
      double z = 0;
      for (int c = 0; c < v; c++) {
        z += Math.exp(logits[o + c] - max);
      }
      double lse = max + Math.log(z);
      JsonNode ref = golden.get("logits_at").get(String.valueOf(p));
      if (ref != null) {
        for (int c = 0; c < 16; c++) {
          scale = Math.max(scale, Math.abs(ref.get(c).asDouble()));
          maxErr = Math.max(maxErr, Math.abs(logits[o + c] - ref.get(c).asDouble()));
        }
        double refLse = golden.get("logsumexp_at").get(String.valueOf(p)).asDouble();
        scale = Math.max(scale, Math.abs(refLse));
        maxErr = Math.max(maxErr, Math.abs(lse - refLse));
      }
      if (p + 1 < t) {
        nll += lse - logits[o + ids[p + 1]];
      }
    }
    nll /= t - 1;
    double refNll = golden.get("mean_nll").asDouble();
    double nllRel = Math.abs(nll - refNll) / Math.abs(refNll);
    System.out.printf("%s: max |logit error| %.3g (logit scale %.3g, relative %.3g); mean NLL %.8f vs %.8f"
        + " (relative %.3g); argmax mismatches %d%n", name, maxErr, scale, maxErr / scale, nll, refNll, nllRel,
        argmaxMismatches);
    assertThat(maxErr / scale).as("%s: max logit error relative to the logit scale", name).isLessThan(1e-4);
    assertThat(nllRel).as("%s: mean NLL relative error", name).isLessThan(1e-5);
    assertThat(argmaxMismatches).as("%s: positions whose argmax differs", name).isZero();
  }
}
