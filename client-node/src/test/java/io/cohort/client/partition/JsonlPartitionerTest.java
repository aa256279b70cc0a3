package io.cohort.client.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.tabular.DatasetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlPartitionerTest {
  private static final Path GRAIN = Path.of("../examples/text/reuters-grain-train.jsonl");
  @TempDir Path out;

  private List<String> lines(String name) throws Exception {
    return Files.readAllLines(out.resolve(name));
  }

  @Test
  void iidSplit_coversEveryRecordOnce_isStratified_andDeterministic() throws Exception {
    long seed = 42;
    var r = JsonlPartitioner.partition(GRAIN, "label", 0.2, 3, 0, seed, out.resolve("a"), "d");
    assertThat(r.labels()).as("seed %d", seed).isEqualTo(2);
    List<String> train = new ArrayList<>();
    List<String> validation = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      train.addAll(lines("a/d-node" + i + ".jsonl"));
      validation.addAll(lines("a/d-node" + i + "-validation.jsonl"));
      int[] c = r.countsByFile().get("d-node" + i + ".jsonl");
      // 103 of 1554 are about grain (6.6 %); 82 after holding out 21 go 27/27/28 under IID
      assertThat(c[1]).as("seed %d node %d", seed, i).isBetween(27, 28);
      assertThat(c[0] + c[1]).as("seed %d node %d", seed, i).isBetween(413, 416);
      int[] v = r.countsByFile().get("d-node" + i + "-validation.jsonl");
      assertThat(v[1]).as("seed %d node %d", seed, i).isBetween(7, 7);
    }
    List<String> all = new ArrayList<>(train);
    all.addAll(validation);
    assertThat(all).containsExactlyInAnyOrderElementsOf(Files.readAllLines(GRAIN));
    assertThat(validation).hasSize(311); // round(1451 * 0.2) + round(103 * 0.2) = 290 + 21
    assertThat(lines("a/d-validation.jsonl")).containsExactlyInAnyOrderElementsOf(validation);
    assertThat(lines("a/d-train-pooled.jsonl")).containsExactlyInAnyOrderElementsOf(train);

    JsonlPartitioner.partition(GRAIN, "label", 0.2, 3, 0, seed, out.resolve("b"), "d");
    assertThat(lines("b/d-node2.jsonl")).isEqualTo(lines("a/d-node2.jsonl"));
    assertThat(lines("b/d-node3-validation.jsonl")).isEqualTo(lines("a/d-node3-validation.jsonl"));
  }

  @Test
  void smallDirichletAlpha_skewsTheGrainShareAcrossNodes() throws Exception {
    long seed = 7;
    var r = JsonlPartitioner.partition(GRAIN, "label", 0.2, 3, 0.3, seed, out, "d");
    double min = 1;
    double max = 0;
    int total = 0;
    for (int i = 1; i <= 3; i++) {
      int[] c = r.countsByFile().get("d-node" + i + ".jsonl");
      total += c[0] + c[1];
      double share = c[1] / (double) Math.max(1, c[0] + c[1]);
      min = Math.min(min, share);
      max = Math.max(max, share);
    }
    assertThat(total).isEqualTo(1554 - 311);
    // IID gives every node ~6.6 % grain; Dirichlet(0.3) over labels gives a very uneven mix
    assertThat(max - min).as("seed %d: grain share spread", seed).isGreaterThan(0.05);
  }

  @Test
  void unlabelledChatRecords_areSplitAtRandom_eachOnce_andRefuseALabelSkew() throws Exception {
    Path chats = Path.of("../examples/chat/reuters-words-chat-train.jsonl");
    long seed = 9;
    var r = JsonlPartitioner.partition(chats, null, 0.2, 3, 0, seed, out.resolve("c"), "d");
    PartitionFiles f = PartitionFiles.jsonl(out.resolve("c"), "d");
    List<String> all = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      all.addAll(Files.readAllLines(f.shard(i)));
      all.addAll(Files.readAllLines(f.shardHeldOut(i)));
    }
    List<String> source = Files.readAllLines(chats);
    assertThat(all).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(source);
    assertThat(Files.readAllLines(f.heldOut())).as("seed %d", seed).hasSize(52);
    assertThat(r.labels()).isEqualTo(1);
    assertThatThrownBy(() -> JsonlPartitioner.partition(chats, null, 0.2, 3, 0.5, seed, out.resolve("e"), "d"))
        .hasMessageContaining("records without a label are split IID");
  }

  @Test
  void badRecords_nameTheFileLineAndField() throws Exception {
    Path bad = out.resolve("bad.jsonl");
    Files.writeString(bad, "{\"text\": \"a\", \"label\": 0}\n\n{\"text\": \"b\", \"label\": \"grain\"}\n");
    assertThatThrownBy(() -> JsonlPartitioner.partition(bad, "label", 0.2, 2, 0, 1, out.resolve("x"), "x"))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("bad.jsonl line 3")
        .hasMessageContaining("label")
        .hasMessageContaining("non-negative integer");
    Files.writeString(bad, "{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\", \"label\": 1\n");
    assertThatThrownBy(() -> JsonlPartitioner.partition(bad, "label", 0.2, 2, 0, 1, out.resolve("x"), "x"))
        .hasMessageContaining("bad.jsonl line 2").hasMessageContaining("not a JSON object");
    Files.writeString(bad, "{\"label\": 1}\n");
    assertThatThrownBy(() -> JsonlPartitioner.partition(bad, "label", 0.2, 2, 0, 1, out.resolve("x"), "x"))
        .hasMessageContaining("bad.jsonl line 1").hasMessageContaining("text");
  }
}
