package io.cohort.client.cli;

import io.cohort.client.tabular.CsvPartitioner;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Splits a CSV file into node shards and a held-out test file, for simulated federations. */
@Command(name = "partition", mixinStandardHelpOptions = true,
    description = "Split a CSV file into per-node shards (IID or Dirichlet non-IID) and a held-out test file.")
final class PartitionCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "CSV") Path data;
  @Option(names = "--label", required = true, description = "Label column, for stratification.") String label;
  @Option(names = "--nodes", defaultValue = "3") int nodes;
  @Option(names = "--test-fraction", defaultValue = "0.2") double testFraction;
  @Option(names = "--dirichlet-alpha", defaultValue = "0",
      description = "Non-IID label skew: Dirichlet concentration (e.g. 0.5); 0 means IID.") double alpha;
  @Option(names = "--seed", defaultValue = "42") long seed;
  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
  @Option(names = "--prefix", defaultValue = "data") String prefix;

  @Override
  public Integer call() throws Exception {
    var r = CsvPartitioner.partition(data, label, testFraction, nodes, alpha, seed, out, prefix);
    System.out.println("classes " + r.classes());
    r.countsByFile().forEach((f, c) -> System.out.println(f + " " + Arrays.toString(c)));
    return 0;
  }
}
