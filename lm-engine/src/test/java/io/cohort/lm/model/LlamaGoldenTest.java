package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import java.nio.file.Path;
import io.cohort.format.checkpoint.Safetensors;
import io.cohort.format.checkpoint.CheckpointTensor;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  @Test
  void shardedCheckpointGivesTheSameLogits(@TempDir Path tmp) throws Exception {
    Path src = DIR.resolve("tiny-llama3");
    Map<String, CheckpointTensor> all = Safetensors.read(src.resolve("model.safetensors"));
    Map<String, CheckpointTensor> first = new LinkedHashMap<>();
    Map<String, CheckpointTensor> second = new LinkedHashMap<>();
    StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
    int i = 0;
    for (Map.Entry<String, CheckpointTensor> e : all.entrySet()) {
      boolean one = e.getKey().startsWith("model.layers.0.") || e.getKey().startsWith("model.embed");
      (one ? first : second).put(e.getKey(), e.getValue());
      index.append(i++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": \"")
          .append(one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
    }
    index.append("}}");
    Safetensors.write(tmp.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
    Safetensors.write(tmp.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
    Files.writeString(tmp.resolve("model.safetensors.index.json"), index.toString());
    Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
    int[] ids = {128000, 791, 4062, 14198, 39935, 927};
    float[] a = logits(LlamaModel.fromCheckpoint(LlamaCheckpoint.load(src)), ids);
    float[] b = logits(LlamaModel.fromCheckpoint(LlamaCheckpoint.load(tmp)), ids);
    assertThat(java.util.Arrays.equals(a, b)).as("sharded (F32) and single-file (BF16) logits are identical").isTrue();
  }

  private static float[] logits(LlamaModel model, int[] ids) {
    float[] hidden = model.forward(ids, Pass.inference(1, ids.length), null);
    float[] out = new float[ids.length * model.vocabSize()];
    model.logits(hidden, 0, ids.length, out);
    return out;
  }
}
