package io.cohort.lm.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.LlamaModel;
import io.cohort.lm.model.Pass;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Greedy decoding equals PyTorch's, token for token: {@code generate/greedy-parity.json} holds, per
 * checkpoint, a prompt and the 32 tokens a PyTorch greedy loop over the same checkpoint chose
 * (tools/reference/greedy_parity.py; its provenance and each step's top-1/top-2 logit gap are in
 * the file). Both the KV-cached and the uncached path must reproduce them.
 */
class GreedyParityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static LanguageModel load(String name) throws Exception {
    if (name.equals("tiny-gpt2-reuters")) {
      return Gpt2Model.fromCheckpoint(Checkpoint.load(Path.of("..", "examples", "text", name)));
    }
    return LlamaModel.fromCheckpoint(LlamaCheckpoint.load(Path.of("..", "examples", "llama", name)));
  }

  static JsonNode fixture(String name) throws Exception {
    return JSON.readTree(GreedyParityTest.class.getResource("/generate/greedy-parity.json")).get("models").get(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-gpt2-reuters", "tiny-llama3", "tiny-qwen3", "tiny-mistral"})
  void greedyTokensEqualPyTorchsWithAndWithoutTheCache(String name) throws Exception {
    JsonNode f = fixture(name);
    int[] prompt = JSON.treeToValue(f.get("prompt"), int[].class);
    int[] expected = JSON.treeToValue(f.get("tokens"), int[].class);
    LanguageModel m = load(name);
    Generator g = new Generator(m);
    Generator.Result cached = g.generate(prompt, expected.length, Sampler.greedy(), true, null);
    assertThat(cached.tokens()).as(name + ", KV cache").containsExactly(expected);
    assertThat(g.generate(prompt, expected.length, Sampler.greedy(), false, null).tokens()).as(name + ", no cache")
        .containsExactly(expected);
  }

  /** The Llama-family cache: a prefill then one token at a time gives the full forward pass's hidden states. */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3", "tiny-qwen3", "tiny-mistral"})
  void llamaCachedForwardEqualsTheFullForward(String name) throws Exception {
    JsonNode f = fixture(name);
    int[] prompt = JSON.treeToValue(f.get("prompt"), int[].class);
    int[] gen = JSON.treeToValue(f.get("tokens"), int[].class);
    int[] ids = Arrays.copyOf(prompt, prompt.length + gen.length);
    System.arraycopy(gen, 0, ids, prompt.length, gen.length);
    LanguageModel m = load(name);
    int w = m.width();
    float[] full = m.forward(ids, Pass.inference(1, ids.length), null);
    LanguageModel.DecodeCache cache = m.newDecodeCache();
    // the prefill crosses the cache's first capacity (32), so a regrowth is exercised too
    int prefill = 40;
    float[] first = m.forwardCached(Arrays.copyOf(ids, prefill), cache);
    for (int i = 0; i < prefill * w; i++) {
      assertThat(first[i]).as("%s prefill value %d", name, i).isCloseTo(full[i], Offset.offset(2e-4f));
    }
    for (int t = prefill; t < ids.length; t++) {
      float[] h = m.forwardCached(new int[] {ids[t]}, cache);
      for (int i = 0; i < w; i++) {
        assertThat(h[i]).as("%s position %d", name, t).isCloseTo(full[t * w + i], Offset.offset(2e-4f));
      }
    }
    assertThat(cache.length()).isEqualTo(ids.length);
  }
}
