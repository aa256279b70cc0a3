package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvPartitionerTest {
  private static final Path CREDIT = Path.of("../examples/credit/credit-g.csv");
  @TempDir Path out;

  private static List<String> rows(Path f) throws Exception {
    List<String> lines = Files.readAllLines(f);
    return new ArrayList<>(lines.subList(1, lines.size()));
  }

  @Test
  void iidSplit_coversEveryRowOnce_andIsDeterministic() throws Exception {
    long seed = 42;
    var r = CsvPartitioner.partition(CREDIT, "class", 0.2, 3, 0, seed, out.resolve("a"), "d");
    List<String> all = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      all.addAll(rows(out.resolve("a/d-node" + i + ".csv")));
    }
    List<String> test = rows(out.resolve("a/d-test.csv"));
    assertThat(test).hasSize(200);
    assertThat(all).hasSize(800);
    Set<String> union = new HashSet<>(all);
    union.addAll(test);
    assertThat(union).containsExactlyInAnyOrderElementsOf(new HashSet<>(rows(CREDIT)));
    List<String> nodeTests = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      nodeTests.addAll(rows(out.resolve("a/d-node" + i + "-test.csv")));
    }
    assertThat(nodeTests).containsExactlyInAnyOrderElementsOf(test);
    assertThat(rows(out.resolve("a/d-train-pooled.csv"))).containsExactlyInAnyOrderElementsOf(all);
    // IID: every shard has ~ the global share of "bad" (30 %)
    for (int i = 1; i <= 3; i++) {
      int[] c = r.countsByFile().get("d-node" + i + ".csv");
      double bad = c[r.classes().indexOf("bad")] / (double) (c[0] + c[1]);
      assertThat(bad).as("seed %d node %d", seed, i).isBetween(0.28, 0.32);
    }
    CsvPartitioner.partition(CREDIT, "class", 0.2, 3, 0, seed, out.resolve("b"), "d");
    assertThat(Files.readAllLines(out.resolve("b/d-node2.csv"))).isEqualTo(Files.readAllLines(out.resolve("a/d-node2.csv")));
  }

  /** Issue 23 #6: comparisons across partitionings with one --seed evaluate on the same records. */
  @Test
  void oneSeed_givesTheSameHeldOutRecords_forIidAndEveryDirichletAlpha() throws Exception {
    long seed = 42;
    CsvPartitioner.partition(CREDIT, "class", 0.2, 3, 0, seed, out.resolve("iid"), "d");
    List<String> iid = Files.readAllLines(out.resolve("iid/d-test.csv"));
    for (double alpha : new double[] {0.1, 0.5, 5}) {
      Path dir = out.resolve("dirichlet-" + alpha);
      CsvPartitioner.partition(CREDIT, "class", 0.2, 3, alpha, seed, dir, "d");
      assertThat(Files.readAllLines(dir.resolve("d-test.csv"))).as("seed %d alpha %s", seed, alpha).isEqualTo(iid);
      for (int i = 1; i <= 3; i++) {
        assertThat(Files.readAllLines(dir.resolve("d-node" + i + "-test.csv"))).as("node %d alpha %s", i, alpha)
            .isEqualTo(Files.readAllLines(out.resolve("iid/d-node" + i + "-test.csv")));
      }
    }
    CsvPartitioner.partition(CREDIT, "class", 0.2, 3, 0, seed + 1, out.resolve("other"), "d");
    assertThat(Files.readAllLines(out.resolve("other/d-test.csv"))).as("another seed").isNotEqualTo(iid);
  }

  @Test
  void smallDirichletAlpha_skewsTheLabelMix() throws Exception {
    // One draw of 3 nodes x 2 classes can land both classes on the same node (little skew), so
    // average over seeds: Dirichlet(0.1) spreads the "bad" share far more than IID's ~0.02.
    double spread = 0;
    int seeds = 8;
    for (long seed = 1; seed <= seeds; seed++) {
      var r = CsvPartitioner.partition(CREDIT, "class", 0.2, 3, 0.1, seed, out.resolve("s" + seed), "d");
      double min = 1;
      double max = 0;
      for (int i = 1; i <= 3; i++) {
        int[] c = r.countsByFile().get("d-node" + i + ".csv");
        if (c[0] + c[1] > 0) {
          double bad = c[r.classes().indexOf("bad")] / (double) (c[0] + c[1]);
          min = Math.min(min, bad);
          max = Math.max(max, bad);
        }
      }
      spread += (max - min) / seeds;
    }
    assertThat(spread).as("mean spread over seeds 1..%d", seeds).isGreaterThan(0.2);
  }

  @Test
  void quotedFields_surviveTheRoundTrip() throws Exception {
    Path in = out.resolve("q.csv");
    Files.writeString(in, "text,label\n\"a, \"\"quoted\"\" value\",x\nplain,y\n");
    CsvPartitioner.partition(in, "label", 0, 1, 0, 1, out.resolve("q"), "q");
    assertThat(Files.readString(out.resolve("q/q-node1.csv"))).contains("\"a, \"\"quoted\"\" value\",x");
  }

  @Test
  void gammaSampler_hasTheRightMean() {
    var r = new java.util.SplittableRandom(5);
    for (double shape : new double[] {0.3, 1, 4}) {
      double sum = 0;
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        sum += CsvPartitioner.gamma(shape, r);
      }
      assertThat(sum / n).as("shape %s seed 5", shape).isCloseTo(shape, org.assertj.core.api.Assertions.within(0.05 * shape + 0.02));
    }
  }
}
