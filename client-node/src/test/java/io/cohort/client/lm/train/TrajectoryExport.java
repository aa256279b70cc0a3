package io.cohort.client.lm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.client.lm.data.JsonlTexts;
import io.cohort.client.lm.data.LabeledText;
import io.cohort.client.lm.data.Shuffle;
import io.cohort.client.lm.data.TextBatcher;
import io.cohort.client.lm.lora.LoraConfig;
import io.cohort.client.lm.lora.LoraModel;
import io.cohort.client.lm.lora.LoraModule;
import io.cohort.client.lm.model.Gpt2Model;
import io.cohort.client.lm.model.Parallel;
import io.cohort.client.lm.tokenizer.Gpt2Tokenizer;
import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.peft.TargetModules;
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
 * <p>Usage: {@code TrajectoryExport MODEL_DIR TRAIN.jsonl SEED EPOCHS THREADS OUT_DIR [TEST.jsonl]}; with a
 * test file it also prints the trained model's ROC AUC, F1 and accuracy on it.
 * (LoRA r=8, alpha=16 on c_attn, mean pooling, AdamW lr 2e-3, weight decay 0.01, batch 16, 128 tokens).
 */
public final class TrajectoryExport {
  private static final int MAX_LENGTH = 128;
  private static final int BATCH = 16;

  private TrajectoryExport() {
  }

  public static void main(String[] args) throws Exception {
    Path modelDir = Path.of(args[0]);
    List<LabeledText> records = JsonlTexts.readClassification(Path.of(args[1]));
    long seed = Long.parseLong(args[2]);
    int epochs = Integer.parseInt(args[3]);
    Parallel.setThreads(Integer.parseInt(args[4]));
    Path out = Files.createDirectories(Path.of(args[5]));

    Gpt2Tokenizer tokenizer = Gpt2Tokenizer.fromDirectory(modelDir);
    Gpt2Model model = Gpt2Model.fromCheckpoint(Checkpoint.load(modelDir));
    List<int[]> seqs = new TextBatcher(tokenizer, MAX_LENGTH, false, false)
        .tokenizeAll(records.stream().map(LabeledText::text).toList());
    int[] labels = records.stream().mapToInt(LabeledText::label).toArray();
    // The seeds below are TrainCommand's: head from seed ^ golden ratio, A from LoraConfig's seed.
    SequenceClassification head = new SequenceClassification(model.shape().width(),
        Math.max(2, JsonlTexts.numClasses(records)), Pooling.MEAN, new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L));
    LoraModel lora = LoraModel.attach(model, new LoraConfig(8, 16f, 0f, List.of("c_attn"), false, seed),
        TargetModules.names(List.of("c_attn"))::matches);

    ObjectMapper json = new ObjectMapper();
    ObjectNode init = json.createObjectNode();
    ObjectNode a = init.putObject("lora_A");
    for (LoraModule m : lora.modules().values()) {
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

    Trainer trainer = new Trainer(model, head, tokenizer.eosId());
    try (PrintWriter losses = new PrintWriter(Files.newBufferedWriter(out.resolve("cohort-losses.txt"),
        StandardCharsets.UTF_8))) {
      TrainReport r = trainer.train(seqs, labels, new TrainOptions(epochs, BATCH, 2e-3, 0.01, seed, null),
          s -> losses.println(s.loss()));
      System.out.printf("cohort: %d steps, final epoch loss %.4f, %.1f s%n", r.steps(), r.lastEpochLoss(),
          r.seconds());
    }
    if (args.length > 6) {
      List<LabeledText> test = JsonlTexts.readClassification(Path.of(args[6]));
      List<int[]> testSeqs = new TextBatcher(tokenizer, MAX_LENGTH, false, false)
          .tokenizeAll(test.stream().map(LabeledText::text).toList());
      float[] probs = Evaluation.probabilities(model, head, testSeqs, 32, tokenizer.eosId());
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
