package io.cohort.client.partition;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.client.tabular.CsvPartitioner;
import io.cohort.client.tabular.DatasetException;
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
import java.util.TreeMap;

/**
 * Splits a JSON Lines file of {@code {"text": ..., "label": <int>}} records across N nodes, as
 * {@link CsvPartitioner} does for CSV: a held-out share of each label (seeded) is dealt evenly to
 * the nodes as their validation files (so the federated evaluation covers exactly the pooled
 * held-out set), and the rest becomes the nodes' training shards, either IID (each label dealt
 * evenly) or non-IID with each label's share per node drawn from a symmetric Dirichlet(alpha)
 * (Hsu et al. 2019). Lines are copied byte for byte; deterministic for a seed.
 *
 * <p>Files, for prefix {@code p}: {@code p-node<i>.jsonl} and {@code p-node<i>-validation.jsonl}
 * per node, {@code p-validation.jsonl} (all held-out records) and {@code p-train-pooled.jsonl}
 * (all training shards, for a central baseline on the same records).
 */
public final class JsonlPartitioner {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonlPartitioner() {}

  /** What was written: record counts by label (index = label value) for each file. */
  public record Result(Map<String, int[]> countsByFile, int labels) {}

  /**
   * @param labelField the integer label's field name, e.g. {@code label}; null for records without a
   *     label (chat conversations), which are split at random as one group (IID only)
   * @param validationFraction share of each label held out for validation, in [0, 1)
   * @param alpha Dirichlet concentration, or {@code <= 0} for IID shards
   */
  public static Result partition(Path jsonl, String labelField, double validationFraction, int nodes, double alpha,
      long seed, Path outDir, String prefix) throws IOException, DatasetException {
    if (nodes < 1 || !(validationFraction >= 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("need nodes >= 1 and 0 <= validation fraction < 1, got " + nodes + ", "
          + validationFraction);
    }
    if (labelField == null && alpha > 0) {
      throw new IllegalArgumentException("a Dirichlet label skew needs labelled records; records without a label"
          + " are split IID (dirichlet alpha 0)");
    }
    TreeMap<Integer, List<String>> byLabel = readByLabel(jsonl, labelField);
    int labels = byLabel.lastKey() + 1;
    SplittableRandom random = new SplittableRandom(seed);
    List<List<String>> shards = lists(nodes);
    List<List<String>> validation = lists(nodes);
    for (List<String> lines : byLabel.values()) {
      shuffle(lines, random);
      int held = (int) Math.round(lines.size() * validationFraction);
      deal(lines.subList(0, held), CsvPartitioner.evenCounts(held, nodes, random), validation);
      int rest = lines.size() - held;
      int[] counts = alpha > 0 ? CsvPartitioner.dirichletCounts(rest, nodes, alpha, random)
          : CsvPartitioner.evenCounts(rest, nodes, random);
      deal(lines.subList(held, lines.size()), counts, shards);
    }
    Files.createDirectories(outDir);
    Map<String, int[]> summary = new LinkedHashMap<>();
    List<String> pooled = new ArrayList<>();
    List<String> heldOut = new ArrayList<>();
    PartitionFiles files = PartitionFiles.jsonl(outDir, prefix);
    for (int i = 0; i < nodes; i++) {
      shuffle(shards.get(i), random);
      shuffle(validation.get(i), random);
      write(files.shard(i + 1), shards.get(i), labelField, labels, summary);
      write(files.shardHeldOut(i + 1), validation.get(i), labelField, labels, summary);
      pooled.addAll(shards.get(i));
      heldOut.addAll(validation.get(i));
    }
    write(files.heldOut(), heldOut, labelField, labels, summary);
    write(files.pooledTraining(), pooled, labelField, labels, summary);
    return new Result(summary, labels);
  }

  private static TreeMap<Integer, List<String>> readByLabel(Path jsonl, String labelField)
      throws IOException, DatasetException {
    TreeMap<Integer, List<String>> byLabel = new TreeMap<>();
    try (BufferedReader r = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        byLabel.computeIfAbsent(label(jsonl, lineNo, line, labelField), k -> new ArrayList<>()).add(line);
      }
    }
    if (byLabel.isEmpty()) {
      throw DatasetException.inFile(jsonl.toString(), "the file has no records; expected one JSON object per line,"
          + (labelField == null ? "" : " e.g. {\"text\": \"...\", \"" + labelField + "\": 1}"));
    }
    return byLabel;
  }

  private static int label(Path file, int lineNo, String line, String labelField) throws DatasetException {
    JsonNode obj;
    try {
      obj = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw DatasetException.atLine(file.toString(), lineNo, "not a JSON object (" + e.getOriginalMessage() + ")");
    }
    if (labelField == null) {
      // Unlabelled records (chat conversations): the node's own reader checks their shape.
      if (obj == null || !obj.isObject()) {
        throw DatasetException.atLine(file.toString(), lineNo, "expected a JSON object");
      }
      return 0;
    }
    if (obj == null || !obj.isObject()) {
      throw DatasetException.atLine(file.toString(), lineNo, "expected a JSON object such as {\"text\": \"...\", \""
          + labelField + "\": 1}");
    }
    if (!obj.path("text").isTextual()) {
      throw DatasetException.atValue(file.toString(), lineNo, "text", "missing or not a string");
    }
    JsonNode label = obj.get(labelField);
    if (label == null || !label.isIntegralNumber() || !label.canConvertToInt() || label.intValue() < 0) {
      throw DatasetException.atValue(file.toString(), lineNo, labelField, "must be a non-negative integer class index"
          + " such as 0 or 1, got " + (label == null ? "nothing" : label.toString()));
    }
    return label.intValue();
  }

  private static List<List<String>> lists(int n) {
    List<List<String>> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(new ArrayList<>());
    }
    return l;
  }

  private static void deal(List<String> lines, int[] counts, List<List<String>> into) {
    int at = 0;
    for (int i = 0; i < counts.length; i++) {
      into.get(i).addAll(lines.subList(at, at + counts[i]));
      at += counts[i];
    }
  }

  private static void shuffle(List<String> lines, SplittableRandom random) {
    for (int i = lines.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String t = lines.get(i);
      lines.set(i, lines.get(j));
      lines.set(j, t);
    }
  }

  private static void write(Path file, List<String> lines, String labelField, int labels,
      Map<String, int[]> summary) throws IOException {
    int[] counts = new int[labels];
    try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      for (String line : lines) {
        w.write(line);
        w.write('\n');
        counts[labelField == null ? 0 : JSON.readTree(line).get(labelField).intValue()]++;
      }
    }
    summary.put(file.getFileName().toString(), counts);
  }
}
