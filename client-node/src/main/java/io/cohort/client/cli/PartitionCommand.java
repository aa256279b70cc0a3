package io.cohort.client.cli;

import io.cohort.client.partition.JsonlPartitioner;
import io.cohort.client.partition.PartitionFiles;
import io.cohort.client.tabular.CsvPartitioner;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
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
  @Option(names = "--data", required = true, paramLabel = "CSV|JSONL") Path data;
  @Option(names = "--label", description = "Label column (CSV, required) or integer label field (JSONL, default"
      + " label), for stratification.") String label;
  @Option(names = "--no-label", description = "JSONL records without a label (chat conversations): split at random,"
      + " IID.") boolean noLabel;
  @Option(names = "--nodes", defaultValue = "3") int nodes;
  @Option(names = {"--test-fraction", "--validation-fraction"}, defaultValue = "0.2",
      description = "Held-out share of each label, dealt evenly to the nodes.") double testFraction;
  @Option(names = {"--dirichlet-alpha", "--dirichlet"}, defaultValue = "0",
      description = "Non-IID label skew: Dirichlet concentration (e.g. 0.5); 0 means IID.") double alpha;
  @Option(names = "--seed", defaultValue = "42") long seed;
  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
  @Option(names = "--prefix", defaultValue = PartitionFiles.DEFAULT_PREFIX) String prefix;

  @Override
  public Integer call() throws Exception {
    if (data.getFileName() != null && data.getFileName().toString().endsWith(".jsonl")) {
      if (noLabel && label != null) {
        throw new IllegalArgumentException("--no-label and --label exclude each other");
      }
      var r = JsonlPartitioner.partition(data, noLabel ? null : label == null ? "label" : label, testFraction, nodes,
          alpha, seed, out, prefix);
      if (!noLabel) {
        System.out.println("labels 0.." + (r.labels() - 1));
      }
      r.countsByFile().forEach((f, c) -> System.out.println(f + " " + Arrays.toString(c)));
      return ExitCode.OK.code();
    }
    if (label == null) {
      throw new IllegalArgumentException("--label is required for a CSV file (the label column)");
    }
    var r = CsvPartitioner.partition(data, label, testFraction, nodes, alpha, seed, out, prefix);
    System.out.println("classes " + r.classes());
    r.countsByFile().forEach((f, c) -> System.out.println(f + " " + Arrays.toString(c)));
    return ExitCode.OK.code();
  }
}
