package io.cohort.lm.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.model.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The training loop against PyTorch, step by step: from the same starting point and batches (seed
 * 42's LoRA A, head and order), the first 8 batch losses of the learning recipe equal the ones
 * PyTorch computed (stored by {@code bench/model/parity.sh 42}). Forward, pooling, backward through
 * LoRA and the head, and AdamW all feed into steps 2..8, so any of them drifting fails this.
 */
class TrainerPyTorchParityTest {
  private static final Path MODEL = Path.of("..", "examples", "text", "tiny-gpt2-reuters");
  private static final Path TRAIN = Path.of("..", "examples", "text", "reuters-grain-train.jsonl");
  private static final Path GOLDEN = Path.of("src", "test", "resources", "lm", "pytorch-replay-seed42-losses.txt");

  /** Ends training after the steps the golden file covers. */
  private static final class Enough extends RuntimeException {
    Enough() {
      super(null, null, false, false);
    }
  }

  @Test
  void firstStepsMatchPyTorchFromTheSameStart() throws Exception {
    List<Double> torch = Files.readAllLines(GOLDEN).stream().map(Double::parseDouble).toList();
    Parallel.setThreads(2);
    Recipe recipe = Recipe.of(MODEL, JsonlTexts.readClassification(TRAIN), 42);
    List<Double> ours = new ArrayList<>();
    try {
      recipe.trainer().train(recipe.sequences(), recipe.labels(), Recipe.options(1, 42), s -> {
        ours.add(s.loss());
        if (ours.size() == torch.size()) {
          throw new Enough();
        }
      });
    } catch (Enough done) {
      // the steps the golden file covers have run
    }
    assertThat(ours).hasSize(torch.size());
    for (int i = 0; i < torch.size(); i++) {
      assertThat(ours.get(i)).as("loss of step %d (PyTorch %s)", i + 1, torch.get(i))
          .isCloseTo(torch.get(i), within(1e-4 * torch.get(i)));
    }
    // The losses move (0.84 to 0.31), so equal values mean equal updates, not a frozen model.
    assertThat(torch.get(torch.size() - 1)).isLessThan(0.5 * torch.get(0));
  }
}
