package io.cohort.format.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.CheckpointTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraMergeTest {
  private static final long SEED = 5150L;
  private static final Gpt2Config SMALL = Gpt2Config.of(40, 16, 12, 2, 3);

  @Test
  void conv1dMerge_onHandComputedMatrices() {
    // A [1, 2] = [[1, 2]], B [3, 1] = [[1], [0], [-1]]: B A = [[1, 2], [0, 0], [-1, -2]] ([out, in]);
    // its transpose [in, out] = [[1, 0, -1], [2, 0, -2]]; with scale 0.5 added to W = [[1, 2, 3], [4, 5, 6]]
    float[] w = {1, 2, 3, 4, 5, 6};
    float[] merged = LoraMerge.mergedConv1d(w, 2, 3, new float[] {1, 2}, new float[] {1, 0, -1}, 1, 0.5f);
    assertThat(merged).containsExactly(1.5f, 2f, 2.5f, 5f, 5f, 5f);
    assertThat(w).as("the base array is not modified").containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void conv1dMerge_matchesTheNaiveTripleLoop() {
    SplittableRandom r = new SplittableRandom(SEED);
    int in = 7;
    int out = 5;
    int rank = 3;
    float[] w = random(r, in * out);
    float[] a = random(r, rank * in);
    float[] b = random(r, out * rank);
    float scale = 16f / rank;
    float[] merged = LoraMerge.mergedConv1d(w, in, out, a, b, rank, scale);
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) {
        double ba = 0;
        for (int k = 0; k < rank; k++) {
          ba += (double) b[o * rank + k] * a[k * in + i];
        }
        assertThat(merged[i * out + o]).as("[%d, %d] seed %d", i, o, SEED).isEqualTo((float) (w[i * out + o] + scale * ba));
      }
    }
  }

  @Test
  void mergedCheckpoint_foldsEveryAdapterAndKeepsTheRest(@TempDir Path tmp) throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    Map<String, CheckpointTensor> baseTensors = new LinkedHashMap<>();
    Checkpoint.expectedShapes(SMALL).forEach((name, shape) ->
        baseTensors.put(name, new CheckpointTensor(name, shape, random(r, (int) CheckpointTensor.elementCount(shape)))));
    Path base = tmp.resolve("base");
    Checkpoint.save(base, SMALL, baseTensors);
    Files.writeString(base.resolve("vocab.json"), "{}");
    Files.writeString(base.resolve("merges.txt"), "#version: 0.2\n");
    AdapterConfig cfg = AdapterConfig.gpt2(AdapterConfig.SEQ_CLS, 2, 8, 0, TargetModules.names("c_attn", "c_fc"),
        "small", List.of("score"));
    Map<String, LoraPair> lora = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> m : PeftAdapter.gpt2Modules(SMALL).entrySet()) {
      if (cfg.targetModules().matches(m.getKey())) {
        int[] io = m.getValue();
        lora.put(m.getKey(), new LoraPair(new CheckpointTensor("a", new int[] {2, io[0]}, random(r, 2 * io[0])),
            new CheckpointTensor("b", new int[] {io[1], 2}, random(r, io[1] * 2))));
      }
    }
    CheckpointTensor score = new CheckpointTensor("score.weight", new int[] {2, 12}, random(r, 24));
    CheckpointTensor scoreBias = new CheckpointTensor("score.bias", new int[] {2}, random(r, 2));
    PeftAdapter adapter = new PeftAdapter(cfg, lora, Map.of("score.weight", score, "score.bias", scoreBias));

    List<String> files = MergedCheckpoint.write(base, adapter, tmp.resolve("merged"));

    assertThat(files).containsExactly("config.json", "model.safetensors", "vocab.json", "merges.txt");
    assertThat(Files.readString(tmp.resolve("merged/config.json"))).isEqualTo(Files.readString(base.resolve("config.json")));
    Checkpoint merged = Checkpoint.load(tmp.resolve("merged"));
    assertThat(merged.extras()).containsEntry("score.weight", score).containsEntry("score.bias", scoreBias);
    for (Map.Entry<String, CheckpointTensor> e : baseTensors.entrySet()) {
      String module = "transformer." + e.getKey().replaceFirst("\\.weight$", "");
      LoraPair p = lora.get(module);
      CheckpointTensor got = merged.tensor(e.getKey());
      if (p == null) {
        assertThat(got.data()).as(e.getKey() + " untouched").isEqualTo(e.getValue().data());
      } else {
        assertThat(got.data()).as(e.getKey() + " merged").isEqualTo(LoraMerge.mergedConv1d(e.getValue().data(),
            p.inFeatures(), p.outFeatures(), p.a().data(), p.b().data(), 2, 4f));
        assertThat(got.data()).isNotEqualTo(e.getValue().data());
      }
    }
  }

  @Test
  void mergeAgainstTheWrongBase_namesTheModuleAndShapes() {
    AdapterConfig cfg = AdapterConfig.gpt2(AdapterConfig.CAUSAL_LM, 1, 1, 0, TargetModules.names("c_attn"), "x",
        List.of());
    PeftAdapter adapter = new PeftAdapter(cfg, Map.of("transformer.h.0.attn.c_attn", new LoraPair(
        new CheckpointTensor("a", new int[] {1, 4}, new float[4]), new CheckpointTensor("b", new int[] {12, 1}, new float[12]))), Map.of());
    Map<String, CheckpointTensor> base = Map.of("h.0.attn.c_attn.weight", new CheckpointTensor("h.0.attn.c_attn.weight", new int[] {5, 15},
        new float[75]));
    assertThatThrownBy(() -> LoraMerge.merge(base, adapter)).hasMessageContaining("transformer.h.0.attn.c_attn")
        .hasMessageContaining("[5, 15]");
  }

  static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() - 0.5);
    }
    return v;
  }
}
