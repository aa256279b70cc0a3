package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Distributed DP hands SecAgg words it encoded itself ({@link ModelUpdate#encoded}): the coordinator's
 * unmasked sum must be their exact sum in Z_2^32 (no quantisation, no weight scaling), dropouts included.
 */
class SecAggEncodedUpdateTest {

  @Test
  void encodedWordsSumExactlyInTheRing() throws Exception {
    long seed = 4711;
    Harness h = new Harness(Harness.params(4, 3, 64).toBuilder().ringWords().build(), 4, seed);
    SplittableRandom r = new SplittableRandom(seed);
    h.updates.replaceAll((id, u) -> {
      int[] w = new int[64];
      for (int j = 0; j < w.length; j++) {
        w[j] = r.nextInt(); // the whole ring, wrap-arounds included
      }
      return ModelUpdate.encoded(w, 1);
    });
    int dropped = h.id(3);
    h.drop(Stage.CONSISTENCY_CHECK, dropped); // sent its masked input, then left: it is in the sum
    AggregateResult res = h.run();
    int[] expected = new int[64];
    for (int id : res.survivors()) {
      int[] w = h.updates.get(id).encodedWords();
      for (int j = 0; j < w.length; j++) {
        expected[j] += w[j];
      }
    }
    assertThat(res.quantizedSum()).as("seed %d", seed).containsExactly(expected);
    assertThat(res.totalWeight()).isEqualTo(res.survivors().size());
  }

  @Test
  void aRingWordRoundTakesOnlyEncodedUpdatesAndViceVersa() throws Exception {
    SecAggParameters words = Harness.params(3, 2, 4).toBuilder().ringWords().build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ModelUpdate(new float[4], 1).validate(words))
        .hasMessageContaining("takes only encoded updates");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelUpdate.encoded(new int[4], 1)
        .validate(Harness.params(3, 2, 4))).hasMessageContaining("needs a ring-word round");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Harness.params(3, 2, 4).toBuilder()
        .exampleCountWeights(10).ringWords().build()).hasMessageContaining("uniform weights");
  }
}
