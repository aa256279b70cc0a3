package io.cohort.lm.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.train.CausalLm;
import io.cohort.lm.train.TrainOptions;
import io.cohort.lm.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the fixture of {@code PeftPyTorchParityTest} (not a test): LoRA r=4 alpha=8 on all linear
 * layers of {@code examples/llama/tiny-llama3}, trained by Cohort's own trainer for a few epochs of
 * next-token loss on seeded token sequences, saved as a PEFT adapter folder, with the token ids the
 * PyTorch reference ({@code tools/reference/peft_parity.py}) then runs. See
 * {@code lm-engine/src/test/resources/peft-parity/README.md} for the commands.
 *
 * <p>Usage: {@code PeftParityExport OUT_DIR}
 */
public final class PeftParityExport {
  static final long SEED = 20261206L;
  static final Path BASE = Path.of("examples", "llama", "tiny-llama3");

  private PeftParityExport() {
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path base = Files.isDirectory(BASE) ? BASE : Path.of("..").resolve(BASE);
    LlamaModel model = LlamaModel.fromCheckpoint(LlamaCheckpoint.load(base));
    LoraModel lora = LoraModel.attach(model, new LoraConfig(4, 8f, 0f, List.of("all-linear"), false, SEED));
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<int[]> train = new ArrayList<>();
    for (int s = 0; s < 32; s++) {
      int[] seq = new int[16];
      int j = rnd.nextInt(50);
      for (int i = 0; i < seq.length; i++) {
        seq[i] = 1000 + 37 * j;
        j = (j * 7 + 3) % 50;
      }
      train.add(seq);
    }
    Trainer trainer = new Trainer(model, new CausalLm(model), 0);
    trainer.train(train, null, new TrainOptions(4, 8, 1e-2, 0.0, SEED, null), s -> { });
    Files.createDirectories(out);
    PeftExport.toPeft(lora, AdapterConfig.CAUSAL_LM, "tiny-llama3", List.of(), List.of()).write(out.resolve("adapter"));
    int[] ids = new int[24];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i == 0 ? 128000 : rnd.nextInt(model.vocabSize());
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("seed", SEED);
    input.put("ids", ids);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("input.json").toFile(), input);
  }
}
