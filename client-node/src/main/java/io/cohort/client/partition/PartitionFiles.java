package io.cohort.client.partition;

import java.nio.file.Path;

/**
 * The files {@code cohort-node partition} writes into a folder, named in one place for the
 * partitioners and for whoever reads their output (such as {@code cohort simulate}). Plain JDK, so
 * a program without the node's stack can use it.
 *
 * @param heldOutName what the held-out share is called: {@code test} (CSV) or {@code validation} (JSONL)
 */
public record PartitionFiles(Path dir, String prefix, String extension, String heldOutName) {
  /** The prefix {@code cohort-node partition} uses unless {@code --prefix} says otherwise. */
  public static final String DEFAULT_PREFIX = "data";

  /** A CSV split: {@code p-node<i>.csv}, {@code p-node<i>-test.csv}, {@code p-test.csv}, {@code p-train-pooled.csv}. */
  public static PartitionFiles csv(Path dir, String prefix) {
    return new PartitionFiles(dir, prefix, "csv", "test");
  }

  /**
   * A JSONL split: {@code p-node<i>.jsonl}, {@code p-node<i>-validation.jsonl},
   * {@code p-validation.jsonl}, {@code p-train-pooled.jsonl}.
   */
  public static PartitionFiles jsonl(Path dir, String prefix) {
    return new PartitionFiles(dir, prefix, "jsonl", "validation");
  }

  /** Node {@code node}'s (1-based) training shard. */
  public Path shard(int node) {
    return dir.resolve(prefix + "-node" + node + "." + extension);
  }

  /** Node {@code node}'s share of the held-out records: its validation file. */
  public Path shardHeldOut(int node) {
    return dir.resolve(prefix + "-node" + node + "-" + heldOutName + "." + extension);
  }

  /** All held-out records: the union of the nodes' shares. */
  public Path heldOut() {
    return dir.resolve(prefix + "-" + heldOutName + "." + extension);
  }

  /** All training shards together, for a central baseline on the same records. */
  public Path pooledTraining() {
    return dir.resolve(prefix + "-train-pooled." + extension);
  }
}
