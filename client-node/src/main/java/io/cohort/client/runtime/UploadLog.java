package io.cohort.client.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cohort.client.config.NodeConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's own record of what left it: one JSON line per upload to the coordinator (kind, job,
 * round, bytes, outcome), appended and fsynced when the call ends, before the node does anything
 * else. It lives next to the identity key and the privacy ledgers ({@code <node_id>.uploads.log})
 * and is only ever appended to. {@code cohort-node ledger} reads it.
 *
 * <p>The byte count is the serialized size of every protobuf message the node handed to gRPC for
 * the call (header and chunks; gRPC framing and TLS overhead excluded). An upload that fails
 * midway is still recorded, with the bytes handed over so far: they may have left.
 */
public final class UploadLog {
  /** What an upload carried. */
  public enum Kind {
    /** A plain (non-secure) round update: the node's trained parameters. */
    UPDATE("update"),
    /** The seeded, data-independent initial model of a secure job (round 0). */
    INITIAL_MODEL("initial_model"),
    /** The masked model delta of a secure-aggregation round. */
    MASKED_INPUT("masked_input"),
    /** Other secure-aggregation messages: public keys, encrypted shares, consistency signatures, unmasking shares. */
    SECAGG_PROTOCOL("secagg_protocol"),
    /** Metrics of a global model evaluated on local validation data. */
    EVALUATION("evaluation"),
    /** Signed privacy-ledger entries. */
    LEDGER_ENTRIES("ledger_entries");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public String wireName() {
      return wire;
    }
  }

  /**
   * One upload.
   *
   * @param timeMs when the call ended (Unix ms)
   * @param detail e.g. the secure-aggregation stage; empty if none
   * @param outcome "ok" or "failed: STATUS"
   */
  public record Entry(long timeMs, String jobId, long round, String kind, String detail, long bytes, String outcome) {}

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private final Path file;
  private final Clock clock;

  public UploadLog(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
  }

  /** Where a node with {@code config} keeps its upload log: next to its identity key. */
  public static Path pathFor(NodeConfig config) {
    return config.identityKey().resolveSibling(config.nodeId() + ".uploads.log");
  }

  public Path file() {
    return file;
  }

  /** Appends one entry and forces it to disk. */
  public synchronized void record(String jobId, long round, Kind kind, String detail, long bytes, String outcome)
      throws IOException {
    Entry e = new Entry(clock.millis(), jobId, round, kind.wireName(), detail == null ? "" : detail, bytes, outcome);
    byte[] line = (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
    // Created 0600 (issue 22 #8): it names jobs, rounds and what left the node.
    try (FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND), io.cohort.crypto.keys.OwnerOnly.fileAttributes(file))) {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  /**
   * Every entry, oldest first; none when the file does not exist yet.
   *
   * @throws IOException naming the file and line of an entry that does not parse
   */
  public static List<Entry> read(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.isBlank()) {
        continue;
      }
      try {
        out.add(JSON.readValue(l, Entry.class));
      } catch (JsonProcessingException ex) {
        // A torn last line (power loss mid-append) is the only expected damage; say where it is.
        throw new IOException(file + " line " + (i + 1) + " is not an upload entry: " + ex.getOriginalMessage());
      }
    }
    return out;
  }
}
