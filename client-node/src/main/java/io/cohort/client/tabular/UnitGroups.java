package io.cohort.client.tabular;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 19 #2: the rows of an {@link EncodedData} grouped by privacy unit (the person they belong to), for DP-SGD
 * that samples and clips per unit ({@link TabularDpSgd}). Units are numbered 0.. in order of first appearance.
 */
public final class UnitGroups {
  private final int[][] rowsOfUnit;

  private UnitGroups(int[][] rowsOfUnit) {
    this.rowsOfUnit = rowsOfUnit;
  }

  /**
   * Groups rows by {@code unitOfRow}: row i of the data belongs to the unit labelled {@code unitOfRow[i]} (any
   * int; equal labels, equal unit).
   */
  public static UnitGroups of(int[] unitOfRow) {
    Map<Integer, List<Integer>> byUnit = new LinkedHashMap<>();
    for (int row = 0; row < unitOfRow.length; row++) {
      byUnit.computeIfAbsent(unitOfRow[row], k -> new ArrayList<>()).add(row);
    }
    int[][] rows = new int[byUnit.size()][];
    int u = 0;
    for (List<Integer> r : byUnit.values()) {
      rows[u++] = r.stream().mapToInt(Integer::intValue).toArray();
    }
    return new UnitGroups(rows);
  }

  /** Number of units. */
  public int count() {
    return rowsOfUnit.length;
  }

  /** The rows (indices into the data) of unit {@code unit}; not copied, do not change. */
  public int[] rows(int unit) {
    return rowsOfUnit[unit];
  }

  /** The first row of each unit, ascending: one row per person, e.g. to bound a unit's share of an evaluation. */
  public List<Integer> firstRows() {
    List<Integer> out = new ArrayList<>();
    for (int[] r : rowsOfUnit) {
      out.add(r[0]);
    }
    out.sort(null);
    return out;
  }
}
