package io.cohort.lm.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.model.Pass;
import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  static final Path MODEL = Path.of("..", "examples", "text", "tiny-gpt2-reuters");
  static Checkpoint checkpoint;
  static Gpt2Tokenizer tok;
  static int[] prompt;

  @BeforeAll
  static void load() throws Exception {
    checkpoint = Checkpoint.load(MODEL);
    tok = Gpt2Tokenizer.fromDirectory(MODEL);
    prompt = tok.encode("Wheat exports from the United States rose");
  }

  static Gpt2Model model() {
    return Gpt2Model.fromCheckpoint(checkpoint);
  }

  @Test
  void cachedForwardEqualsTheFullForward() {
    Gpt2Model m = model();
    int[] ids = tok.encode("The U.S. Agriculture Department said wheat stocks were 1.2 mln tonnes, up from last year.");
    float[] full = m.forward(ids, Pass.inference(1, ids.length), null);
    Gpt2Model.KvCache cache = m.newCache();
    int w = m.shape().width();
    // prefill 5 tokens, then one at a time
    float[] first = m.forwardCached(Arrays.copyOf(ids, 5), cache);
    for (int i = 0; i < 5 * w; i++) {
      assertThat(first[i]).isCloseTo(full[i], Offset.offset(1e-4f));
    }
    for (int t = 5; t < ids.length; t++) {
      float[] h = m.forwardCached(new int[] {ids[t]}, cache);
      for (int i = 0; i < w; i++) {
        assertThat(h[i]).as("position %d", t).isCloseTo(full[t * w + i], Offset.offset(1e-4f));
      }
    }
    assertThat(cache.length()).isEqualTo(ids.length);
  }

  @Test
  void cachedAndUncachedGreedyGenerationGiveTheSameTokens() {
    Generator g = new Generator(model());
    Generator.Result cached = g.generate(prompt, 32, Sampler.greedy(), true, null);
    Generator.Result uncached = g.generate(prompt, 32, Sampler.greedy(), false, null);
    assertThat(cached.tokens()).hasSize(32);
    assertThat(cached.tokens()).containsExactly(uncached.tokens());
    assertThat(cached.stop()).isEqualTo(Generator.Stop.MAX_NEW_TOKENS);
  }

  @Test
  void seededSamplingIsReproducibleAndTheSeedMatters() {
    long seed = 20261206L;
    Generator g = new Generator(model());
    int[] a = g.generate(prompt, 32, new Sampler(1.0f, 50, 0.95f, seed), true, null).tokens();
    int[] b = g.generate(prompt, 32, new Sampler(1.0f, 50, 0.95f, seed), true, null).tokens();
    int[] uncached = g.generate(prompt, 32, new Sampler(1.0f, 50, 0.95f, seed), false, null).tokens();
    int[] other = g.generate(prompt, 32, new Sampler(1.0f, 50, 0.95f, seed + 1), true, null).tokens();
    assertThat(a).as("seed %d", seed).containsExactly(b);
    assertThat(a).as("seed %d, uncached", seed).containsExactly(uncached);
    assertThat(a).as("seeds %d and %d", seed, seed + 1).isNotEqualTo(other);
  }

  @Test
  void stopsOnTheStopTokenWithoutEmittingIt() {
    Gpt2Model m = model();
    int[] greedy = new Generator(m).generate(prompt, 8, Sampler.greedy(), true, null).tokens();
    // make the 4th greedy token a stop token: generation ends before it
    Generator.Result r = new Generator(m, greedy[3]).generate(prompt, 8, Sampler.greedy(), true, null);
    int firstStop = 0;
    while (greedy[firstStop] != greedy[3]) {
      firstStop++;
    }
    assertThat(r.stop()).isEqualTo(Generator.Stop.STOP_TOKEN);
    assertThat(r.tokens()).containsExactly(Arrays.copyOf(greedy, firstStop));
  }

  @Test
  void anAdapterChangesTheOutput() {
    int[] base = new Generator(model()).generate(prompt, 16, Sampler.greedy(), true, null).tokens();
    Gpt2Model adapted = model();
    long seed = 99;
    LoraModel lora = LoraModel.attach(adapted, new LoraConfig(4, 8f, 0f, List.of("c_attn"), false, seed),
        p -> p.endsWith(".c_attn"));
    SplittableRandom rnd = new SplittableRandom(seed);
    for (LoraModule mod : lora.modules().values()) {
      float[] b = mod.loraB().value();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (rnd.nextDouble() - 0.5);
      }
    }
    int[] withAdapter = new Generator(adapted).generate(prompt, 16, Sampler.greedy(), true, null).tokens();
    assertThat(withAdapter).as("seed %d", seed).isNotEqualTo(base);
    // and the cache path runs the adapter too
    assertThat(new Generator(adapted).generate(prompt, 16, Sampler.greedy(), false, null).tokens())
        .containsExactly(withAdapter);
  }

  @Test
  void topKOneAndTinyTopPAreGreedy() {
    float[] logits = {0.1f, 2.5f, -1f, 2.4f, 0.3f};
    for (long seed = 0; seed < 20; seed++) {
      assertThat(new Sampler(1f, 1, 1f, seed).next(logits, 0, 5)).as("seed %d", seed).isEqualTo(1);
      assertThat(new Sampler(1f, 0, 1e-3f, seed).next(logits, 0, 5)).as("seed %d", seed).isEqualTo(1);
      assertThat(new Sampler(1f, 2, 1f, seed).next(logits, 0, 5)).as("seed %d", seed).isIn(1, 3);
    }
    assertThat(Sampler.greedy().next(logits, 0, 5)).isEqualTo(1);
  }
}
