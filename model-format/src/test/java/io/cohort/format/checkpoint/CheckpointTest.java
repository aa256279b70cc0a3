package io.cohort.format.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  /** The repository copy of the shared model (see examples/text/README.md). */
  static final Path TINY = Path.of("../examples/text/tiny-gpt2-reuters");
  private static final long SEED = 7L;

  @TempDir Path dir;

  @Test
  void loadsTinyGpt2ReutersUnderCanonicalNames() throws Exception {
    Checkpoint ckpt = Checkpoint.load(TINY);

    Gpt2Config c = ckpt.config();
    assertThat(c.vocabSize()).isEqualTo(50257);
    assertThat(c.nPositions()).isEqualTo(256);
    assertThat(c.nEmbd()).isEqualTo(64);
    assertThat(c.nLayer()).isEqualTo(4);
    assertThat(c.nHead()).isEqualTo(4);
    assertThat(c.nInner()).as("n_inner null means 4 * n_embd").isEqualTo(256);
    assertThat(c.activationFunction()).isEqualTo("gelu_new");
    assertThat(c.layerNormEpsilon()).isEqualTo(1e-5);
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.eosTokenId()).isEqualTo(50256);

    assertThat(ckpt.tensors()).hasSize(2 + 12 * 4 + 2);
    assertThat(List.copyOf(ckpt.tensors().keySet()).subList(0, 6)).containsExactly("wte.weight", "wpe.weight",
        "h.0.ln_1.weight", "h.0.ln_1.bias", "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias");
    assertThat(ckpt.tensor("wte.weight").shape()).containsExactly(50257, 64);
    assertThat(ckpt.tensor("wpe.weight").shape()).containsExactly(256, 64);
    assertThat(ckpt.tensor("h.3.attn.c_attn.weight").shape()).containsExactly(64, 192);
    assertThat(ckpt.tensor("h.3.mlp.c_fc.weight").shape()).containsExactly(64, 256);
    assertThat(ckpt.tensor("h.3.mlp.c_proj.weight").shape()).containsExactly(256, 64);
    assertThat(ckpt.tensor("ln_f.bias").shape()).containsExactly(64);
    ckpt.tensors().forEach((name, t) -> assertThat(t.name()).isEqualTo(name));
    assertThat(ckpt.extras()).isEmpty();

    // values widened from F16, checked against numpy's float16 -> float32 of the same file
    float[] wte = ckpt.tensor("wte.weight").data();
    assertThat(Float.floatToRawIntBits(wte[0])).isEqualTo((int) 3188031488L);
    assertThat(Float.floatToRawIntBits(wte[50256 * 64 + 63])).isEqualTo((int) 3188621312L);
    double sum = 0;
    for (float v : wte) {
      sum += v;
    }
    assertThat(sum).isEqualTo(7894.819721579552);
    assertThat(Float.floatToRawIntBits(ckpt.tensor("h.3.attn.c_attn.weight").data()[1 * 192 + 2]))
        .isEqualTo((int) 3167608832L);
  }

  @Test
  void saveWritesHuggingFaceLayoutAndLoadsBackBitExact() throws Exception {
    Gpt2Config config = smallConfig(true);
    Map<String, CheckpointTensor> tensors = randomTensors(config);

    Checkpoint.save(dir, config, tensors);

    Map<String, String> meta = Safetensors.metadata(dir.resolve("model.safetensors"));
    assertThat(meta).isEqualTo(Map.of("format", "pt"));
    assertThat(Safetensors.header(dir.resolve("model.safetensors")).entries().keySet())
        .allMatch(n -> n.startsWith("transformer."))
        .contains("transformer.wte.weight", "transformer.h.1.attn.c_attn.weight", "transformer.ln_f.bias");
    Checkpoint back = Checkpoint.load(dir);
    assertThat(back.config()).isEqualTo(config);
    assertThat(back.tensors()).isEqualTo(tensors);
  }

  @Test
  void savedFolderWithCopiedTokenizerLoadsLikeTheBase() throws Exception {
    Checkpoint base = Checkpoint.load(TINY);
    Checkpoint.save(dir, base.config(), base.tensors());
    assertThat(Checkpoint.copyTokenizerFiles(TINY, dir)).containsExactly("vocab.json", "merges.txt");
    assertThat(dir.resolve("vocab.json")).hasSameBinaryContentAs(TINY.resolve("vocab.json"));
    Checkpoint back = Checkpoint.load(dir);
    assertThat(back.config()).isEqualTo(base.config());
    assertThat(back.tensors()).as("F16 widened to F32 and saved as F32 is lossless").isEqualTo(base.tensors());
  }

  @Test
  void untiedHeadIsRequiredAndSavedWithoutPrefix() throws Exception {
    Gpt2Config config = smallConfig(false);
    Map<String, CheckpointTensor> tensors = randomTensors(config);
    assertThat(tensors).containsKey("lm_head.weight");
    Checkpoint.save(dir, config, tensors);
    assertThat(Safetensors.header(dir.resolve("model.safetensors")).entries()).containsKey("lm_head.weight");
    assertThat(Checkpoint.load(dir).tensors()).isEqualTo(tensors);

    Map<String, CheckpointTensor> stored = storedWithPrefix(tensors, "transformer.");
    stored.remove("lm_head.weight");
    Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("model.safetensors").hasMessageContaining("missing 1 tensor")
        .hasMessageContaining("lm_head.weight").hasMessageContaining("[11, 8]");
  }

  @Test
  void acceptsBareNamesAndSkipsMaskBuffersAndTiedHead() throws Exception {
    Gpt2Config config = smallConfig(true);
    Map<String, CheckpointTensor> tensors = randomTensors(config);
    config.write(dir.resolve("config.json"));
    Map<String, CheckpointTensor> stored = storedWithPrefix(tensors, "");
    stored.put("h.0.attn.bias", CheckpointTensor.zeros("h.0.attn.bias", 1, 1, 8, 8));
    stored.put("h.1.attn.masked_bias", CheckpointTensor.zeros("h.1.attn.masked_bias"));
    stored.put("lm_head.weight", CheckpointTensor.zeros("lm_head.weight", 11, 8));
    stored.put("score.weight", CheckpointTensor.zeros("score.weight", 2, 8));
    Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());

    Checkpoint back = Checkpoint.load(dir);

    assertThat(back.tensors()).isEqualTo(tensors);
    assertThat(back.extras().keySet()).containsExactly("score.weight");
  }

  @Test
  void loadsShardedCheckpoints() throws Exception {
    Gpt2Config config = smallConfig(true);
    Map<String, CheckpointTensor> tensors = randomTensors(config);
    config.write(dir.resolve("config.json"));
    Map<String, CheckpointTensor> stored = storedWithPrefix(tensors, "transformer.");
    Map<String, CheckpointTensor> first = new LinkedHashMap<>();
    Map<String, CheckpointTensor> second = new LinkedHashMap<>();
    StringBuilder index = new StringBuilder("{\"metadata\":{\"total_size\":0},\"weight_map\":{");
    int i = 0;
    for (var e : stored.entrySet()) {
      String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
      (i % 2 == 0 ? first : second).put(e.getKey(), e.getValue());
      index.append(i == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(shard).append('"');
      i++;
    }
    index.append("}}");
    Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
    Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
    Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());

    assertThat(Checkpoint.load(dir).tensors()).isEqualTo(tensors);

    // an index that places a tensor in the wrong shard
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        index.toString().replaceFirst("00002-of-00002", "00001-of-00002"));
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("model-00001-of-00002.safetensors").hasMessageContaining("does not contain it");

    // an index that points outside its folder
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"weight_map\":{\"transformer.wte.weight\":\"../elsewhere.safetensors\"}}");
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("model.safetensors.index.json").hasMessageContaining("same folder");
  }

  @Test
  void missingTensorNamesFileTensorAndShape() throws Exception {
    Gpt2Config config = smallConfig(true);
    Map<String, CheckpointTensor> stored = storedWithPrefix(randomTensors(config), "transformer.");
    stored.remove("transformer.h.1.mlp.c_fc.weight");
    config.write(dir.resolve("config.json"));
    Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(dir.resolve("model.safetensors").toString())
        .hasMessageContaining("h.1.mlp.c_fc.weight").hasMessageContaining("[8, 32]");
  }

  @Test
  void shapeMismatchNamesFileTensorExpectedAndActual() throws Exception {
    Gpt2Config config = smallConfig(true);
    Map<String, CheckpointTensor> stored = storedWithPrefix(randomTensors(config), "transformer.");
    // the classic mistake: a Linear [out, in] weight where GPT-2's Conv1D [in, out] belongs
    stored.put("transformer.h.0.attn.c_attn.weight", CheckpointTensor.zeros("x", 24, 8));
    config.write(dir.resolve("config.json"));
    Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(dir.resolve("model.safetensors").toString())
        .hasMessageContaining("'transformer.h.0.attn.c_attn.weight' has shape [24, 8]")
        .hasMessageContaining("expects [8, 24]");
  }

  @Test
  void unexpectedAndDuplicateTensors() throws Exception {
    Gpt2Config config = smallConfig(true);
    Map<String, CheckpointTensor> tensors = randomTensors(config);
    config.write(dir.resolve("config.json"));
    Map<String, CheckpointTensor> stored = storedWithPrefix(tensors, "transformer.");
    stored.put("transformer.h.2.ln_1.weight", CheckpointTensor.zeros("x", 8)); // a third layer the config lacks
    Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("unexpected tensor 'transformer.h.2.ln_1.weight'").hasMessageContaining("2 layers");

    stored = storedWithPrefix(tensors, "transformer.");
    stored.put("wte.weight", tensors.get("wte.weight"));
    Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("'wte.weight' is stored twice");
  }

  @Test
  void unknownArchitectureNamesTheConfigAndWhatIsSupported() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"]}");
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(dir.resolve("config.json").toString())
        .hasMessageContaining("\"llama\" is not supported").hasMessageContaining("GPT2LMHeadModel");
    Files.writeString(dir.resolve("config.json"), "{\"architectures\":[\"BertModel\"]}");
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("[BertModel] are not supported");
  }

  @Test
  void badConfigValues() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_embd\":\"wide\"}");
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("config.json").hasMessageContaining("'n_embd' must be an integer");
    Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_embd\":10,\"n_head\":3}");
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("must be a multiple of n_head");
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": gpt2}");
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("config.json").hasMessageContaining("not valid JSON");
  }

  @Test
  void folderWithoutWeights() throws Exception {
    smallConfig(true).write(dir.resolve("config.json"));
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("neither model.safetensors nor model.safetensors.index.json");
    assertThatThrownBy(() -> Checkpoint.load(dir.resolve("nope"))).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("not a folder");
  }

  @Test
  void corruptWeightsFileIsACheckpointError() throws Exception {
    smallConfig(true).write(dir.resolve("config.json"));
    Files.write(dir.resolve("model.safetensors"), new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '"'});
    assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(dir.resolve("model.safetensors").toString()).hasMessageContaining("truncated");
  }

  static Gpt2Config smallConfig(boolean tied) {
    Gpt2Config c = Gpt2Config.of(11, 8, 8, 2, 2);
    return new Gpt2Config(c.modelType(), c.architectures(), c.vocabSize(), c.nPositions(), c.nEmbd(), c.nLayer(),
        c.nHead(), c.nInner(), c.activationFunction(), c.layerNormEpsilon(), tied, c.bosTokenId(), c.eosTokenId());
  }

  static Map<String, CheckpointTensor> randomTensors(Gpt2Config config) {
    Random rnd = new Random(SEED);
    Map<String, CheckpointTensor> m = new LinkedHashMap<>();
    Checkpoint.expectedShapes(config).forEach((name, shape) -> {
      CheckpointTensor t = CheckpointTensor.zeros(name, shape);
      for (int i = 0; i < t.size(); i++) {
        t.data()[i] = (float) rnd.nextGaussian();
      }
      m.put(name, t);
    });
    return m;
  }

  private static Map<String, CheckpointTensor> storedWithPrefix(Map<String, CheckpointTensor> tensors, String prefix) {
    Map<String, CheckpointTensor> m = new LinkedHashMap<>();
    tensors.forEach((n, t) -> {
      String key = n.equals("lm_head.weight") ? n : prefix + n;
      m.put(key, t.withName(key));
    });
    return m;
  }
}
