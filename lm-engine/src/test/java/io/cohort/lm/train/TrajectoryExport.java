package io.cohort.lm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.data.LabeledText;
import io.cohort.lm.data.Shuffle;
import io.cohort.lm.data.TextBatcher;
import io.cohort.lm.lora.LoraModule;
import io.cohort.lm.model.Parallel;
import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Benchmark helper (not a test): the learning recipe of issue 5 exactly as {@code cohort-node train}
 * runs it (same seeded LoRA A, head and batch order), with its starting point and batches written
 * out so that {@code bench/model/torch_learning.py --init DIR} replays the very same run in PyTorch.
 * Writes {@code DIR/init.json} (every LoRA A [r, in] by module path, the head's weight [labels,
 * width] and bias), {@code DIR/order.json} (each epoch's permutation of the record indices) and
 * {@code DIR/cohort-losses.txt} (the batch loss of every step).
 *
 * <p>The recipe's set-up is {@link Recipe}'s; {@code TrainerPyTorchParityTest} checks its first steps
 * against a stored PyTorch replay. Usage (see {@code bench/model/parity.sh}):
 * {@code TrajectoryExport MODEL_DIR TRAIN.jsonl SEED EPOCHS THREADS OUT_DIR [TEST.jsonl]}; with a test
 * file it also prints the trained model's ROC AUC, F1 and accuracy on it.
 */
public final class TrajectoryExport {
  private TrajectoryExport() {
  }

  public static void main(String[] args) throws Exception {
    Path modelDir = Path.of(args[0]);
    List<LabeledText> records = JsonlTexts.readClassification(Path.of(args[1]));
    long seed = Long.parseLong(args[2]);
    int epochs = Integer.parseInt(args[3]);
    Parallel.setThreads(Integer.parseInt(args[4]));
    Path out = Files.createDirectories(Path.of(args[5]));

    Recipe recipe = Recipe.of(modelDir, records, seed);
    Gpt2Tokenizer tokenizer = recipe.tokenizer();
    SequenceClassification head = recipe.head();
    List<int[]> seqs = recipe.sequences();

    ObjectMapper json = new ObjectMapper();
    ObjectNode init = json.createObjectNode();
    ObjectNode a = init.putObject("lora_A");
    for (LoraModule m : recipe.lora().modules().values()) {
      a.set(m.path(), floats(json, m.loraA().value()));
    }
    init.set("score.weight", floats(json, head.weight().value()));
    init.set("score.bias", floats(json, head.bias().value()));
    json.writeValue(out.resolve("init.json").toFile(), init);

    ArrayNode order = json.createArrayNode();
    SplittableRandom stream = Trainer.orderStream(seed);
    for (int e = 0; e < epochs; e++) {
      ArrayNode p = order.addArray();
      for (int i : Shuffle.permutation(seqs.size(), stream)) {
        p.add(i);
      }
    }
    json.writeValue(out.resolve("order.json").toFile(), order);

    Trainer trainer = recipe.trainer();
    try (PrintWriter losses = new PrintWriter(Files.newBufferedWriter(out.resolve("cohort-losses.txt"),
        StandardCharsets.UTF_8))) {
      TrainReport r = trainer.train(seqs, recipe.labels(), Recipe.options(epochs, seed),
          s -> losses.println(s.loss()));
      System.out.printf("cohort: %d steps, final epoch loss %.4f, %.1f s%n", r.steps(), r.lastEpochLoss(),
          r.seconds());
    }
    if (args.length > 6) {
      List<LabeledText> test = JsonlTexts.readClassification(Path.of(args[6]));
      List<int[]> testSeqs = new TextBatcher(tokenizer, Recipe.MAX_LENGTH, false, false)
          .tokenizeAll(test.stream().map(LabeledText::text).toList());
      float[] probs = Evaluation.probabilities(recipe.model(), head, testSeqs, 32, tokenizer.eosId());
      ClassificationMetrics m = ClassificationMetrics.of(probs,
          test.stream().mapToInt(LabeledText::label).toArray(), head.labels());
      System.out.printf("cohort test: roc_auc %.4f f1 %.4f accuracy %.4f%n", m.rocAuc(), m.f1(), m.accuracy());
    }
  }

  private static ArrayNode floats(ObjectMapper json, float[] v) {
    ArrayNode a = json.createArrayNode();
    for (float f : v) {
      a.add(f);
    }
    return a;
  }
}
