package io.cohort.client.tabular;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/** Splits a dataset's rows into training and validation rows, stratified by label. */
public final class DatasetSplit {
  /** Largest validation fraction accepted: a node must keep rows to train on. */
  public static final double MAX_VALIDATION_FRACTION = 0.9;

  private DatasetSplit() {}

  /**
   * Row indices of a split, each list ascending and unmodifiable; together they hold every row
   * of the dataset exactly once.
   *
   * @param train rows to fit the model and the feature scaling on
   * @param validation held-out rows to evaluate on
   */
  public record Split(List<Integer> train, List<Integer> validation) {
    public Split {
      train = List.copyOf(train);
      validation = List.copyOf(validation);
    }
  }

  /**
   * Holds out about {@code validationFraction} of each class's rows for validation.
   *
   * <p>Per class, {@code round(fraction * count)} rows are drawn for validation, but when the
   * fraction is positive a class with at least 2 rows gives at least 1 and keeps at least 1 for
   * training; a class with a single row stays in training. The draw is a seeded shuffle, so
   * the same data, fraction and seed always give the same split (on every JVM).
   *
   * @throws IllegalArgumentException when the fraction is outside [0, 0.9]
   */
  public static Split stratified(CsvDataset data, double validationFraction, long seed) {
    if (!(validationFraction >= 0 && validationFraction <= MAX_VALIDATION_FRACTION)) {
      throw new IllegalArgumentException(
          "validationFraction is " + validationFraction + "; expected a value in [0, "
              + MAX_VALIDATION_FRACTION + "]");
    }
    // A regression job's rows all carry label 0: one stratum, a plain seeded split.
    int numClasses = data.schema().numClasses();
    List<List<Integer>> byClass = new ArrayList<>(numClasses);
    for (int c = 0; c < numClasses; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int row = 0; row < data.size(); row++) {
      byClass.get(data.label(row)).add(row);
    }

    // One generator walked through the classes in schema order keeps the split a pure
    // function of (data, fraction, seed).
    SplittableRandom random = new SplittableRandom(seed);
    List<Integer> train = new ArrayList<>(data.size());
    List<Integer> validation = new ArrayList<>();
    for (List<Integer> rows : byClass) {
      shuffle(rows, random);
      int count = rows.size();
      int held = (int) Math.round(validationFraction * count);
      if (validationFraction > 0 && count >= 2) {
        held = Math.min(Math.max(held, 1), count - 1);
      } else if (count < 2) {
        held = 0;
      }
      validation.addAll(rows.subList(0, held));
      train.addAll(rows.subList(held, count));
    }
    Collections.sort(train);
    Collections.sort(validation);
    return new Split(train, validation);
  }

  /**
   * Issue 19 #2: holds out about {@code validationFraction} of the privacy units, with all their rows, so that no
   * person is in both splits. {@code round(fraction * units)} units are drawn by a seeded shuffle (at least 1,
   * and at least 1 left for training, when the fraction is positive and there are 2 or more units).
   *
   * @throws IllegalArgumentException when the fraction is outside [0, 0.9] or the data has no unit column
   */
  public static Split byUnit(CsvDataset data, double validationFraction, long seed) {
    if (!(validationFraction >= 0 && validationFraction <= MAX_VALIDATION_FRACTION)) {
      throw new IllegalArgumentException(
          "validationFraction is " + validationFraction + "; expected a value in [0, "
              + MAX_VALIDATION_FRACTION + "]");
    }
    List<Integer> units = new ArrayList<>();
    for (int u = 0; u < data.unitCount(); u++) {
      units.add(u);
    }
    shuffle(units, new SplittableRandom(seed));
    int held = (int) Math.round(validationFraction * units.size());
    if (validationFraction > 0 && units.size() >= 2) {
      held = Math.min(Math.max(held, 1), units.size() - 1);
    } else if (units.size() < 2) {
      held = 0;
    }
    boolean[] heldOut = new boolean[data.unitCount()];
    for (int i = 0; i < held; i++) {
      heldOut[units.get(i)] = true;
    }
    List<Integer> train = new ArrayList<>();
    List<Integer> validation = new ArrayList<>();
    for (int row = 0; row < data.size(); row++) {
      (heldOut[data.unit(row)] ? validation : train).add(row);
    }
    return new Split(train, validation);
  }

  /** Fisher-Yates with the given generator (Collections.shuffle takes only java.util.Random). */
  static void shuffle(List<Integer> rows, SplittableRandom random) {
    for (int i = rows.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Integer tmp = rows.get(i);
      rows.set(i, rows.get(j));
      rows.set(j, tmp);
    }
  }
}
