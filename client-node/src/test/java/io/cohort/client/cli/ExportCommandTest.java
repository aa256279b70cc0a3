package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.LoraMerge;
import io.cohort.format.peft.LoraPair;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.format.peft.TargetModules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort-node export --merged}: writes base + adapter as a model folder; bad input is one line, exit 2. */
class ExportCommandTest {
  private static final long SEED = 314L;
  private static final Gpt2Config SMALL = Gpt2Config.of(30, 8, 12, 2, 3);
  @TempDir Path dir;

  private static Run run(String... args) {
    return Run.of(args);
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() - 0.5);
    }
    return v;
  }

  @Test
  void merged_writesTheFoldedModel_andRefusesANonEmptyOut() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    Map<String, CheckpointTensor> base = new LinkedHashMap<>();
    Checkpoint.expectedShapes(SMALL).forEach((n, s) -> base.put(n, new CheckpointTensor(n, s, random(r, (int) CheckpointTensor.elementCount(s)))));
    Checkpoint.save(dir.resolve("base"), SMALL, base);
    Map<String, LoraPair> lora = new LinkedHashMap<>();
    for (int layer = 0; layer < 2; layer++) {
      lora.put("transformer.h." + layer + ".attn.c_attn", new LoraPair(new CheckpointTensor("a", new int[] {2, 12}, random(r, 24)),
          new CheckpointTensor("b", new int[] {36, 2}, random(r, 72))));
    }
    PeftAdapter adapter = new PeftAdapter(AdapterConfig.gpt2(AdapterConfig.CAUSAL_LM, 2, 4, 0,
        TargetModules.names("c_attn"), "small", List.of()), lora, Map.of());
    adapter.write(dir.resolve("adapter"));

    Run ok = run("export", "--adapter", dir.resolve("adapter").toString(), "--model", dir.resolve("base").toString(),
        "--merged", "--out", dir.resolve("merged").toString());
    assertThat(ok.code()).as("seed %d: %s", SEED, ok.err()).isZero();
    assertThat(ok.out()).contains("2 LoRA modules folded in");
    Checkpoint merged = Checkpoint.load(dir.resolve("merged"));
    LoraPair p = lora.get("transformer.h.1.attn.c_attn");
    assertThat(merged.tensor("h.1.attn.c_attn.weight").data()).isEqualTo(LoraMerge.mergedConv1d(
        base.get("h.1.attn.c_attn.weight").data(), 12, 36, p.a().data(), p.b().data(), 2, 2f));
    assertThat(merged.tensor("h.0.mlp.c_fc.weight").data()).isEqualTo(base.get("h.0.mlp.c_fc.weight").data());

    Run again = run("export", "--adapter", dir.resolve("adapter").toString(), "--model", dir.resolve("base").toString(),
        "--merged", "--out", dir.resolve("merged").toString());
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("--out").contains("not an empty folder");
    Files.delete(dir.resolve("adapter/adapter_model.safetensors"));
    Run missing = run("export", "--adapter", dir.resolve("adapter").toString(), "--model", dir.resolve("base").toString(),
        "--merged", "--out", dir.resolve("merged-2").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).startsWith("cohort-node export: ").contains("adapter_model.safetensors");
  }
}
