package io.cohort.client.cli;

import io.cohort.client.partition.JsonlPartitioner;
import io.cohort.client.partition.PartitionFiles;
import io.cohort.client.tabular.CsvPartitioner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Splits a CSV file, or a JSON Lines file of {"text", "label"} records (by its .jsonl extension),
 * into node shards and held-out per-node evaluation files, for simulated federations.
 */
@Command(name = "partition", mixinStandardHelpOptions = true,
    description = {"Split a CSV file into per-node shards (IID or Dirichlet non-IID) and a held-out test file.",
        "A .jsonl file of {\"text\", \"label\"} records is split the same way into DATA-node<i>.jsonl and"
            + " DATA-node<i>-validation.jsonl."})
final class PartitionCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "CSV|JSONL",
      description = "The file to split: a CSV with a header row, or JSON Lines (.jsonl) of {\"text\", \"label\"}.")
  Path data;
  @Option(names = "--label", paramLabel = "COLUMN", description = "Label column (CSV, required) or integer label"
      + " field (JSONL, default label), for stratification.") String label;
  @Option(names = "--no-label", description = "JSONL records without a label (chat conversations), or a CSV whose"
      + " label is a number (regression): split at random, IID.") boolean noLabel;
  @Option(names = "--nodes", defaultValue = "3", paramLabel = "N",
      description = "How many node shards to write (default: ${DEFAULT-VALUE}).") int nodes;
  @Option(names = {"--test-fraction", "--validation-fraction"}, defaultValue = "0.2", paramLabel = "F",
      description = "Held-out share of each label, dealt evenly to the nodes (default: ${DEFAULT-VALUE}).")
  double testFraction;
  @Option(names = {"--dirichlet-alpha", "--dirichlet"}, defaultValue = "0", paramLabel = "ALPHA",
      description = "Non-IID label skew: Dirichlet concentration (e.g. 0.5); 0 means IID (default: ${DEFAULT-VALUE}).")
  double alpha;
  @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED",
      description = "Seed of the shuffle and the Dirichlet draw; the same seed gives the same shards"
          + " (default: ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory the shards are written to.")
  Path out;
  @Option(names = "--prefix", defaultValue = PartitionFiles.DEFAULT_PREFIX, paramLabel = "NAME",
      description = "File name prefix of the shards (default: ${DEFAULT-VALUE}).") String prefix;

  @Override
  public Integer call() throws Exception {
    if (data.getFileName() != null && data.getFileName().toString().endsWith(".jsonl")) {
      if (noLabel && label != null) {
        throw new IllegalArgumentException("--no-label and --label exclude each other");
      }
      var r = JsonlPartitioner.partition(data, noLabel ? null : label == null ? "label" : label, testFraction, nodes,
          alpha, seed, out, prefix);
      if (noLabel) {
        r.countsByFile().forEach((f, c) -> System.out.println(f + ": " + IntStream.of(c).sum() + " records"));
      } else {
        List<String> labels = IntStream.range(0, r.labels()).mapToObj(i -> "label " + i).toList();
        System.out.println("labels 0.." + (r.labels() - 1));
        r.countsByFile().forEach((f, c) -> System.out.println(countsLine(f, labels, c)));
      }
      return ExitCode.OK.code();
    }
    if (label == null && !noLabel) {
      throw new IllegalArgumentException("--label is required for a CSV file (the label column), or --no-label for a"
          + " split without stratification (a numeric label)");
    }
    if (noLabel && label != null) {
      throw new IllegalArgumentException("--no-label and --label exclude each other");
    }
    var r = CsvPartitioner.partition(data, label, testFraction, nodes, alpha, seed, out, prefix);
    if (label != null) {
      System.out.println("classes of '" + label + "': " + String.join(", ", r.classes()));
    }
    r.countsByFile().forEach((f, c) -> System.out.println(countsLine(f, r.classes(), c)));
    return ExitCode.OK.code();
  }

  /**
   * {@code node1.csv: 480 rows (good 336, bad 144)}: each count named by its class (issue 22 #10:
   * the counts were an unlabelled array).
   */
  static String countsLine(String file, List<String> classes, int[] counts) {
    StringBuilder sb = new StringBuilder();
    int total = 0;
    for (int i = 0; i < counts.length; i++) {
      total += counts[i];
      sb.append(i == 0 ? "" : ", ").append(i < classes.size() ? classes.get(i) : "class " + i).append(' ')
          .append(counts[i]);
    }
    return file + ": " + total + " rows (" + sb + ")";
  }
}
