package io.cohort.coordinator.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.cohort.proto.v1.TabularNetworkSpec;
import java.util.Base64;
import java.util.List;

/**
 * A tabular job's {@code model: {kind: dl4j, config: FILE}} block. The coordinator cannot build DL4J networks
 * (DL4J stays on nodes), so it checks only the form: a JSON object or a zip, within size limits; each node
 * builds the network and declines the job naming what does not fit its data.
 */
final class TabularNetworkBlock {
  /** JobSpecs travel in gRPC messages (4 MiB by default) beside the rest of the job. */
  static final int MAX_JSON_CHARS = 1 << 20;
  static final int MAX_ZIP_BYTES = 2 << 20;

  private TabularNetworkBlock() {}

  /** The network spec, or null (with a problem added) when the block is wrong. */
  static TabularNetworkSpec validate(JobFile.Model m, List<String> problems) {
    if (m.name() != null || m.sha256() != null) {
      problems.add("field 'model' of a tabular job takes kind: dl4j and config: FILE, not name/sha256 (those name a"
          + " language model)");
      return null;
    }
    if (!"dl4j".equals(m.kind().strip())) {
      problems.add("field 'model.kind' must be dl4j for a tabular job, got " + (m.kind() == null ? "nothing"
          : "'" + m.kind() + "'"));
      return null;
    }
    TabularNetworkSpec.Builder b = TabularNetworkSpec.newBuilder().setKind("dl4j");
    if (m.config() != null) {
      b.setSource(m.config());
    }
    boolean json = m.configJson() != null;
    boolean zip = m.configZip() != null;
    if (json == zip) {
      problems.add(m.config() != null && !json
          ? "field 'model.config' names a file (" + m.config() + ") that only the submitting machine can read;"
              + " submit with `cohort job submit` or `cohort simulate`, which send its contents"
          : "field 'model' needs config: FILE (a DL4J configuration .json or a ModelSerializer .zip)");
      return null;
    }
    if (json) {
      if (m.configJson().length() > MAX_JSON_CHARS) {
        problems.add("field 'model.config' is " + m.configJson().length() + " characters; at most " + MAX_JSON_CHARS);
        return null;
      }
      try {
        JsonNode node = new ObjectMapper().readTree(m.configJson());
        if (node == null || !node.isObject() || !node.has("confs")) {
          problems.add("field 'model.config' is JSON but not a DL4J MultiLayerConfiguration (no 'confs' list)");
          return null;
        }
      } catch (JsonProcessingException e) {
        problems.add("field 'model.config' is not valid JSON (line " + e.getLocation().getLineNr() + ": "
            + e.getOriginalMessage() + ")");
        return null;
      }
      return b.setDl4JConfigurationJson(m.configJson()).build();
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(m.configZip());
    } catch (IllegalArgumentException e) {
      problems.add("field 'model.config_zip' is not base64 (" + e.getMessage() + ")");
      return null;
    }
    if (bytes.length > MAX_ZIP_BYTES || bytes.length < 4 || bytes[0] != 'P' || bytes[1] != 'K') {
      problems.add("field 'model.config' must be a ModelSerializer zip of at most " + MAX_ZIP_BYTES + " bytes, got "
          + bytes.length + " bytes" + (bytes.length >= 2 && (bytes[0] != 'P' || bytes[1] != 'K') ? " (not a zip)"
          : ""));
      return null;
    }
    return b.setDl4JModelZip(ByteString.copyFrom(bytes)).build();
  }
}
