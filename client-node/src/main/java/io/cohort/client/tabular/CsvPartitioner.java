package io.cohort.client.tabular;

import io.cohort.client.partition.PartitionFiles;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Splits one CSV file into a held-out test file and N node shards, for simulated federations:
 * the test split is stratified by label and also dealt evenly into one held-out file per node
 * (so federated evaluation covers exactly the central test set); shards are either IID (each class dealt evenly) or
 * non-IID, with each class's share per node drawn from a symmetric Dirichlet(alpha) (Hsu et al.
 * 2019), so a small alpha gives each node a skewed label mix. Deterministic for a seed.
 */
public final class CsvPartitioner {
  /** Mixed into the seed for the shards' stream (any fixed odd constant; this one is from SplitMix64). */
  private static final long SHARD_STREAM = 0x9E3779B97F4A7C15L;

  private CsvPartitioner() {}

  /** What was written: row counts by class for each file. */
  public record Result(Map<String, int[]> countsByFile, List<String> classes) {}

  /**
   * @param labelColumn the column to stratify by; null: no stratification (one stratum named "rows")
   * @param alpha Dirichlet concentration, or {@code <= 0} for IID shards
   */
  public static Result partition(Path csv, String labelColumn, double testFraction, int nodes, double alpha,
      long seed, Path outDir, String prefix) throws IOException, DatasetException {
    if (nodes < 1 || !(testFraction >= 0 && testFraction < 1)) {
      throw new IllegalArgumentException("need nodes >= 1 and 0 <= testFraction < 1, got " + nodes + ", " + testFraction);
    }
    List<String> header;
    Map<String, List<List<String>>> byClass = new LinkedHashMap<>();
    try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      CsvRecordReader reader = new CsvRecordReader(r, csv.toString());
      header = reader.next(i -> "#" + (i + 1));
      if (header == null) {
        throw DatasetException.inFile(csv.toString(), "the file is empty; expected a header row");
      }
      // No label column (a regression job's numeric label): one stratum, a plain seeded split.
      int label = labelColumn == null ? -1 : header.indexOf(labelColumn);
      if (labelColumn != null && label < 0) {
        throw DatasetException.inFile(csv.toString(), "missing column '" + labelColumn + "' (header has: " + header + ")");
      }
      List<String> h = header;
      for (List<String> rec; (rec = reader.next(i -> i < h.size() ? h.get(i) : "#" + (i + 1))) != null; ) {
        if (reader.lastRecordBlank()) {
          continue;
        }
        if (rec.size() != header.size()) {
          throw DatasetException.atLine(csv.toString(), reader.recordLine(),
              "expected " + header.size() + " fields, found " + rec.size());
        }
        byClass.computeIfAbsent(label < 0 ? "rows" : rec.get(label), k -> new ArrayList<>()).add(rec);
      }
    }
    // Two streams: the held-out split draws only from its own, so one seed gives the same held-out
    // records whatever the partitioning (IID or any Dirichlet alpha draws differently from the other).
    SplittableRandom heldOutRandom = new SplittableRandom(seed);
    SplittableRandom random = new SplittableRandom(seed ^ SHARD_STREAM);
    List<List<List<String>>> shards = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      shards.add(new ArrayList<>());
    }
    List<List<String>> test = new ArrayList<>();
    List<List<List<String>>> nodeTests = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      nodeTests.add(new ArrayList<>());
    }
    List<String> classes = new ArrayList<>(byClass.keySet());
    for (String cls : classes) {
      List<List<String>> rows = byClass.get(cls);
      shuffle(rows, heldOutRandom);
      int nTest = (int) Math.round(rows.size() * testFraction);
      List<List<String>> testRows = rows.subList(0, nTest);
      test.addAll(testRows);
      int[] testCounts = evenCounts(testRows.size(), nodes, heldOutRandom);
      int at = 0;
      for (int i = 0; i < nodes; i++) {
        nodeTests.get(i).addAll(testRows.subList(at, at + testCounts[i]));
        at += testCounts[i];
      }
      List<List<String>> rest = rows.subList(nTest, rows.size());
      int[] counts = alpha > 0 ? dirichletCounts(rest.size(), nodes, alpha, random) : evenCounts(rest.size(), nodes, random);
      int from = 0;
      for (int i = 0; i < nodes; i++) {
        shards.get(i).addAll(rest.subList(from, from + counts[i]));
        from += counts[i];
      }
    }
    Files.createDirectories(outDir);
    Map<String, int[]> summary = new LinkedHashMap<>();
    int label = labelColumn == null ? -1 : header.indexOf(labelColumn);
    PartitionFiles files = PartitionFiles.csv(outDir, prefix);
    for (int i = 0; i < nodes; i++) {
      Path shard = files.shard(i + 1);
      shuffle(shards.get(i), random);
      write(shard, header, shards.get(i));
      summary.put(shard.getFileName().toString(), counts(shards.get(i), classes, label));
      Path nodeTest = files.shardHeldOut(i + 1);
      write(nodeTest, header, nodeTests.get(i));
      summary.put(nodeTest.getFileName().toString(), counts(nodeTests.get(i), classes, label));
    }
    shuffle(test, heldOutRandom);
    write(files.heldOut(), header, test);
    summary.put(files.heldOut().getFileName().toString(), counts(test, classes, label));
    List<List<String>> pooled = new ArrayList<>();
    shards.forEach(pooled::addAll);
    write(files.pooledTraining(), header, pooled);
    return new Result(summary, classes);
  }

  private static int[] counts(List<List<String>> rows, List<String> classes, int label) {
    int[] c = new int[classes.size()];
    for (List<String> r : rows) {
      c[label < 0 ? 0 : classes.indexOf(r.get(label))]++;
    }
    return c;
  }

  /** n items dealt round-robin from a random start: counts differ by at most one. */
  public static int[] evenCounts(int n, int nodes, SplittableRandom random) {
    int[] c = new int[nodes];
    int offset = random.nextInt(nodes);
    for (int i = 0; i < n; i++) {
      c[(i + offset) % nodes]++;
    }
    return c;
  }

  /** Multinomial-free rounding of n * Dirichlet(alpha) proportions that sums to exactly n. */
  public static int[] dirichletCounts(int n, int nodes, double alpha, SplittableRandom random) {
    double[] p = new double[nodes];
    double sum = 0;
    for (int i = 0; i < nodes; i++) {
      p[i] = gamma(alpha, random);
      sum += p[i];
    }
    int[] c = new int[nodes];
    int assigned = 0;
    for (int i = 0; i < nodes; i++) {
      c[i] = (int) Math.floor(n * p[i] / sum);
      assigned += c[i];
    }
    for (int i = 0; assigned < n; i = (i + 1) % nodes) {
      c[i]++;
      assigned++;
    }
    return c;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
  static double gamma(double shape, SplittableRandom random) {
    if (shape < 1) {
      return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = normal(random);
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = random.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return d * v;
      }
    }
  }

  private static double normal(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  private static <T> void shuffle(List<T> rows, SplittableRandom random) {
    for (int i = rows.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T t = rows.get(i);
      rows.set(i, rows.get(j));
      rows.set(j, t);
    }
  }

  private static void write(Path file, List<String> header, List<List<String>> rows) throws IOException {
    try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      writeRecord(w, header);
      for (List<String> r : rows) {
        writeRecord(w, r);
      }
    }
  }

  static void writeRecord(Writer w, List<String> fields) throws IOException {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        w.write(',');
      }
      String f = fields.get(i);
      if (f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) {
        w.write('"');
        w.write(f.replace("\"", "\"\""));
        w.write('"');
      } else {
        w.write(f);
      }
    }
    w.write('\n');
  }
}
