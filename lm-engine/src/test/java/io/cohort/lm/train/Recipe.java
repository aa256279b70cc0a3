package io.cohort.lm.train;

import io.cohort.lm.data.LabeledText;
import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.data.TextBatcher;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.model.Gpt2Model;
import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.peft.TargetModules;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The learning recipe of issue 5 set up exactly as {@code cohort-node train} sets it up for a seed
 * (LoRA r=8, alpha=16 on c_attn with A from the seed, a mean-pooled linear head from
 * {@link SequenceClassification#initStream}, 128 tokens), for the PyTorch parity test and its benchmark helper.
 */
record Recipe(Gpt2Tokenizer tokenizer, Gpt2Model model, SequenceClassification head, LoraModel lora,
    List<int[]> sequences, int[] labels, Trainer trainer) {
  static final int MAX_LENGTH = 128;

  static Recipe of(Path modelDir, List<LabeledText> records, long seed) throws IOException {
    Gpt2Tokenizer tokenizer = Gpt2Tokenizer.fromDirectory(modelDir);
    Gpt2Model model = Gpt2Model.fromCheckpoint(Checkpoint.load(modelDir));
    List<int[]> seqs = new TextBatcher(tokenizer, MAX_LENGTH, false, false)
        .tokenizeAll(records.stream().map(LabeledText::text).toList());
    int[] labels = records.stream().mapToInt(LabeledText::label).toArray();
    SequenceClassification head = new SequenceClassification(model.shape().width(),
        Math.max(2, JsonlTexts.numClasses(records)), Pooling.MEAN, SequenceClassification.initStream(seed));
    LoraModel lora = LoraModel.attach(model, new LoraConfig(8, 16f, 0f, List.of("c_attn"), false, seed),
        TargetModules.names(List.of("c_attn"))::matches);
    return new Recipe(tokenizer, model, head, lora, seqs, labels, new Trainer(model, head, tokenizer.eosId()));
  }

  /** AdamW lr 2e-3, weight decay 0.01, batch 16, non-private. */
  static TrainOptions options(int epochs, long seed) {
    return new TrainOptions(epochs, 16, 2e-3, 0.01, seed, null);
  }
}
