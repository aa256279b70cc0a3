package io.cohort.format.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json}: {@code weight_map} from tensor
 * name to the shard file that holds it. Shard names must be plain file names in the index's
 * folder, so an index cannot point outside it.
 */
public record ShardIndex(Path file, Map<String, Path> weightMap) {
  public static final String FILE_NAME = "model.safetensors.index.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  public static ShardIndex read(Path indexFile) throws CheckpointException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(indexFile));
    } catch (IOException e) {
      throw new CheckpointException(indexFile, "cannot read the shard index: " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new CheckpointException(indexFile, "shard index has no 'weight_map' object naming tensors and files");
    }
    Path dir = indexFile.toAbsolutePath().getParent();
    Map<String, Path> weightMap = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      String shard = e.getValue().isTextual() ? e.getValue().textValue() : "";
      if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..") || shard.equals(".")) {
        throw new CheckpointException(indexFile, "weight_map entry for '" + e.getKey() + "' must be a file name in"
            + " the same folder, got " + e.getValue());
      }
      weightMap.put(e.getKey(), dir.resolve(shard));
    }
    return new ShardIndex(indexFile, weightMap);
  }

  /** The distinct shard files, in order of first mention. */
  public List<Path> shards() {
    return new ArrayList<>(new LinkedHashSet<>(weightMap.values()));
  }

  /**
   * Checks that each shard's header holds exactly the tensors the index assigns to it (missing
   * ones are an error; extra ones too, since they would be silently ignored otherwise).
   */
  public void checkAgainst(Map<Path, Safetensors.Header> headers) throws CheckpointException {
    for (Map.Entry<String, Path> e : weightMap.entrySet()) {
      Safetensors.Header h = headers.get(e.getValue());
      if (h == null || !h.entries().containsKey(e.getKey())) {
        throw new CheckpointException(e.getValue(), "the shard index " + file.getFileName() + " places tensor '"
            + e.getKey() + "' in this file, but the file does not contain it");
      }
    }
    for (Safetensors.Header h : headers.values()) {
      for (String name : h.entries().keySet()) {
        Path owner = weightMap.get(name);
        if (owner == null || !owner.equals(h.file())) {
          throw new CheckpointException(h.file(), "tensor '" + name + "' is in this shard but the index "
              + file.getFileName() + (owner == null ? " does not list it" : " places it in " + owner.getFileName()));
        }
      }
    }
  }
}
