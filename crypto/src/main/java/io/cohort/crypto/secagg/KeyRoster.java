package io.cohort.crypto.secagg;

import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.WireWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Stage 1 → 2 (coordinator → every node in U1): the full list of signed {@link AdvertiseKeys}, sorted
 * by node id. Its size is the cohort size reported to nodes (S5). The {@link #sessionId()} is a hash
 * of this whole encoding, so a coordinator that shows different lists to different nodes gives them
 * different session ids, and every key derivation and share AAD then disagrees (S4).
 */
public record KeyRoster(String jobId, long round, List<AdvertiseKeys> entries) {

  public KeyRoster {
    List<AdvertiseKeys> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingInt(AdvertiseKeys::nodeId));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).nodeId() == sorted.get(i - 1).nodeId()) {
        throw new IllegalArgumentException("node id " + sorted.get(i).nodeId() + " appears twice in the key list");
      }
    }
    entries = List.copyOf(sorted);
  }

  public SortedSet<Integer> nodeIds() {
    SortedSet<Integer> ids = new TreeSet<>();
    entries.forEach(e -> ids.add(e.nodeId()));
    return ids;
  }

  /** The entry of {@code nodeId}, or null. */
  public AdvertiseKeys entry(int nodeId) {
    for (AdvertiseKeys e : entries) {
      if (e.nodeId() == nodeId) {
        return e;
      }
    }
    return null;
  }

  /** SHA-256 over the job, round and the full signed key list. */
  public byte[] sessionId() {
    return Transcripts.sessionId(encode());
  }

  public byte[] encode() {
    WireWriter w = WireTags.header(WireTags.KEY_ROSTER).string(jobId).i64(round).i32(entries.size());
    entries.forEach(e -> w.bytes(e.encode()));
    return w.toByteArray();
  }

  public static KeyRoster decode(byte[] data) throws MalformedMessageException {
    return WireTags.decode(data, WireTags.KEY_ROSTER, "KeyRoster", r -> {
      String job = r.string(WireTags.MAX_ID_BYTES, "jobId");
      long round = r.i64("round");
      int n = r.count(WireTags.MAX_NODES, "entries");
      List<AdvertiseKeys> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(AdvertiseKeys.decode(r.bytes(4096, "entry")));
      }
      r.end();
      return new KeyRoster(job, round, list);
    });
  }

  @Override
  public String toString() {
    return "KeyRoster[job=" + jobId + ", round=" + round + ", nodes=" + nodeIds() + "]";
  }
}
