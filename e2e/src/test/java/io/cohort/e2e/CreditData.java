package io.cohort.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The German credit example ({@code examples/credit/credit-g.csv}) as header and rows, and the
 * node files the tests make of it. The file has no quoted fields, so a row is its line split on
 * commas; {@link #load} checks that this still holds.
 */
final class CreditData {
  final List<String> header;
  final List<List<String>> rows;

  private CreditData(List<String> header, List<List<String>> rows) {
    this.header = List.copyOf(header);
    this.rows = List.copyOf(rows);
  }

  static CreditData load() throws IOException {
    Path csv = E2eEnvironment.creditCsv();
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    List<String> header = split(lines.get(0));
    List<List<String>> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      if (line.indexOf('"') >= 0) {
        throw new IllegalStateException(csv + " line " + (i + 1) + " has a quoted field; the e2e tests split rows"
            + " on commas and need updating");
      }
      List<String> row = split(line);
      if (row.size() != header.size()) {
        throw new IllegalStateException(csv + " line " + (i + 1) + " has " + row.size() + " fields, the header "
            + header.size());
      }
      rows.add(row);
    }
    return new CreditData(header, rows);
  }

  private static List<String> split(String line) {
    return Arrays.asList(line.split(",", -1));
  }

  /** A node's training rows and its validation rows. */
  record Shard(List<List<String>> train, List<List<String>> validation) {}

  /**
   * Deals the rows, shuffled with {@code random}, to {@code nodes} shards: a fifth of them to the
   * shards' validation files, the rest to their training files, round-robin.
   */
  List<Shard> shards(int nodes, Random random) {
    List<List<String>> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, random);
    int validationRows = shuffled.size() / 5;
    List<Shard> out = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      out.add(new Shard(new ArrayList<>(), new ArrayList<>()));
    }
    for (int i = 0; i < shuffled.size(); i++) {
      Shard s = out.get(i % nodes);
      (i < validationRows ? s.validation() : s.train()).add(shuffled.get(i));
    }
    return out;
  }

  int column(String name) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("credit-g.csv has no column '" + name + "'; it has " + header);
    }
    return i;
  }

  /** Writes the header and rows as CSV; row {@code k} (0-based) lands on line {@code k + 2}. */
  static Path write(Path file, List<String> header, List<List<String>> rows) throws IOException {
    StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
    for (List<String> r : rows) {
      sb.append(String.join(",", r)).append('\n');
    }
    Files.createDirectories(file.getParent());
    return Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }

  Path write(Path file, List<List<String>> rows) throws IOException {
    return write(file, header, rows);
  }

  /** The rows with {@code value} in column {@code column} of row {@code index}. */
  List<List<String>> withValue(List<List<String>> in, int index, String column, String value) {
    int c = column(column);
    List<List<String>> out = new ArrayList<>(in);
    List<String> row = new ArrayList<>(in.get(index));
    row.set(c, value);
    out.set(index, row);
    return out;
  }

  /** The header without {@code column}. */
  List<String> headerWithout(String column) {
    List<String> h = new ArrayList<>(header);
    h.remove(column(column));
    return h;
  }

  /** The rows without {@code column}. */
  List<List<String>> rowsWithout(List<List<String>> in, String column) {
    int c = column(column);
    List<List<String>> out = new ArrayList<>();
    for (List<String> r : in) {
      List<String> copy = new ArrayList<>(r);
      copy.remove(c);
      out.add(copy);
    }
    return out;
  }
}
