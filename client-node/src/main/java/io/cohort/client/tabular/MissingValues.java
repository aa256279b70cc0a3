package io.cohort.client.tabular;

import java.util.List;
import java.util.Set;

/**
 * How one feature column's missing cells are recognised and filled.
 *
 * <p>A cell is missing when its text, stripped of surrounding blanks, is one of {@link #tokens()};
 * for a categorical column a declared category always wins, so a job that declares "?" as a
 * category keeps it as one. Missing cells are filled by {@link #impute()} with statistics of the
 * training rows, never of validation rows; {@link #indicator()} adds a 0/1 input that says the
 * cell was missing, so the model can still tell filled from observed values.
 *
 * @param tokens cell texts meaning "missing"; may be empty (then every cell must hold a value)
 * @param impute how to fill a missing cell
 * @param fillValue the value of {@link Imputation#CONSTANT}; otherwise ignored (may be empty)
 * @param indicator whether the column gets a missing-indicator input
 */
public record MissingValues(List<String> tokens, Imputation impute, String fillValue, boolean indicator) {
  /** The tokens a column takes when the job names none: an empty cell, "?", "NA" and "NaN". */
  public static final List<String> DEFAULT_TOKENS = List.of("", "?", "NA", "NaN");

  public MissingValues {
    if (tokens == null || tokens.stream().anyMatch(java.util.Objects::isNull)) {
      throw new IllegalArgumentException("missing-value tokens must be a list of strings, without null");
    }
    tokens = List.copyOf(Set.copyOf(tokens.stream().map(String::strip).toList())).stream().sorted().toList();
    if (impute == null) {
      throw new IllegalArgumentException("impute must be set");
    }
    fillValue = fillValue == null ? "" : fillValue;
  }

  /** The defaults for a column the job says nothing about. */
  public static MissingValues defaults(boolean numeric) {
    return new MissingValues(DEFAULT_TOKENS, numeric ? Imputation.MEAN : Imputation.MOST_FREQUENT, "", false);
  }

  /** Whether {@code cell} (unstripped) is one of the tokens. */
  public boolean isMissing(String cell) {
    return tokens.contains(cell.strip());
  }
}
