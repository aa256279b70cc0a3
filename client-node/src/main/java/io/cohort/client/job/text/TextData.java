package io.cohort.client.job.text;

import io.cohort.lm.data.DataFormatException;
import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.data.LabeledText;
import io.cohort.lm.data.Shuffle;
import io.cohort.lm.data.TextBatcher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A text job's local records, tokenised once: the training part and the held-out part (a
 * separate validation file, or a seeded split of the training file, stratified by label for
 * classification). Only token ids are kept, not the texts.
 *
 * @param trainLabels class labels of the training sequences; null for causal language modelling
 * @param validationLabels likewise for the held-out sequences
 * @param trainUnits under a per-person {@code privacy.unit} (issue 19 #2), the person of each training sequence
 *     (equal numbers, equal person); null at record level
 */
public record TextData(List<int[]> train, int[] trainLabels, List<int[]> validation, int[] validationLabels,
    int[] trainUnits) {

  /** Record-level data: no units. */
  public TextData(List<int[]> train, int[] trainLabels, List<int[]> validation, int[] validationLabels) {
    this(train, trainLabels, validation, validationLabels, null);
  }

  /**
   * Reads classification records and checks every label is below {@code numLabels}.
   *
   * @throws DataFormatException naming the file and line of the first bad record
   */
  public static TextData classification(Path file, Optional<Path> validationFile, int numLabels,
      double validationFraction, long splitSeed, TextBatcher batcher) throws DataFormatException {
    return classification(file, validationFile, numLabels, validationFraction, splitSeed, batcher, null);
  }

  /**
   * As above; with {@code unitField} (the job's per-person {@code privacy.unit}, or null) every record of both files
   * must name its person in that field, and the training sequences carry their persons ({@link #trainUnits}).
   *
   * @throws DataFormatException naming the file and line of the first bad record, or of one without its unit
   */
  public static TextData classification(Path file, Optional<Path> validationFile, int numLabels,
      double validationFraction, long splitSeed, TextBatcher batcher, String unitField) throws DataFormatException {
    List<LabeledText> records = labelled(file, numLabels);
    Map<Integer, String> unitByLine = unitField == null ? null : TextUnits.read(file, unitField);
    if (unitField != null && validationFile.isPresent()) {
      TextUnits.read(validationFile.get(), unitField); // a validation record without its person is refused too
    }
    List<LabeledText> held;
    if (validationFile.isPresent()) {
      held = labelled(validationFile.get(), numLabels);
    } else {
      List<List<LabeledText>> parts = stratifiedSplit(records, validationFraction, splitSeed);
      records = parts.get(0);
      held = parts.get(1);
    }
    if (records.isEmpty()) {
      throw new DataFormatException(file, 0, "no training records left after holding out the validation split");
    }
    return new TextData(tokens(records, batcher), labels(records), tokens(held, batcher), labels(held),
        unitByLine == null ? null : units(records, unitByLine));
  }

  /** Each record's person as a number, numbered in order of first appearance. */
  private static int[] units(List<LabeledText> records, Map<Integer, String> unitByLine) {
    Map<String, Integer> ids = new HashMap<>();
    int[] out = new int[records.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ids.computeIfAbsent(unitByLine.get(records.get(i).line()), k -> ids.size());
    }
    return out;
  }

  /** Reads {@code {"text"}} records for causal language modelling. */
  public static TextData causalLm(Path file, Optional<Path> validationFile, double validationFraction, long splitSeed,
      TextBatcher batcher) throws DataFormatException {
    List<int[]> train = batcher.tokenizeAll(JsonlTexts.readTexts(file));
    List<int[]> held;
    if (validationFile.isPresent()) {
      held = batcher.tokenizeAll(JsonlTexts.readTexts(validationFile.get()));
    } else {
      int[] order = Shuffle.permutation(train.size(), new SplittableRandom(splitSeed));
      int k = (int) Math.round(validationFraction * train.size());
      held = new ArrayList<>();
      List<int[]> rest = new ArrayList<>();
      for (int i = 0; i < order.length; i++) {
        (i < k ? held : rest).add(train.get(order[i]));
      }
      train = rest;
    }
    if (train.isEmpty()) {
      throw new DataFormatException(file, 0, "no training records left after holding out the validation split");
    }
    return new TextData(train, null, held, null);
  }

  private static List<LabeledText> labelled(Path file, int numLabels) throws DataFormatException {
    List<LabeledText> records = JsonlTexts.readClassification(file);
    for (LabeledText r : records) {
      if (r.label() >= numLabels) {
        String range = " outside the job's labels 0.." + (numLabels - 1) + " (text.num_labels = " + numLabels + ")";
        throw new DataFormatException(file, r.line(), "label " + r.label() + " is" + range, "label is" + range);
      }
    }
    return records;
  }

  /** Per label, a seeded shuffle and the first round(fraction x count) records held out. */
  static List<List<LabeledText>> stratifiedSplit(List<LabeledText> records, double fraction, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int labels = JsonlTexts.numClasses(records);
    List<LabeledText> train = new ArrayList<>();
    List<LabeledText> held = new ArrayList<>();
    for (int c = 0; c < labels; c++) {
      List<LabeledText> ofLabel = new ArrayList<>();
      for (LabeledText r : records) {
        if (r.label() == c) {
          ofLabel.add(r);
        }
      }
      int[] order = Shuffle.permutation(ofLabel.size(), rnd);
      int k = (int) Math.round(fraction * ofLabel.size());
      for (int i = 0; i < order.length; i++) {
        (i < k ? held : train).add(ofLabel.get(order[i]));
      }
    }
    return List.of(train, held);
  }

  private static List<int[]> tokens(List<LabeledText> records, TextBatcher batcher) {
    List<int[]> out = new ArrayList<>(records.size());
    for (LabeledText r : records) {
      out.add(batcher.tokenize(r.text()));
    }
    return out;
  }

  private static int[] labels(List<LabeledText> records) {
    int[] l = new int[records.size()];
    for (int i = 0; i < l.length; i++) {
      l[i] = records.get(i).label();
    }
    return l;
  }
}
