package io.cohort.bench.secagg;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.secagg.AdvertiseKeys;
import io.cohort.crypto.secagg.AggregateResult;
import io.cohort.crypto.secagg.ConsistencyCheckRequest;
import io.cohort.crypto.secagg.ConsistencyCheckResponse;
import io.cohort.crypto.secagg.CoordinatorSession;
import io.cohort.crypto.secagg.KeyRoster;
import io.cohort.crypto.secagg.MaskedInput;
import io.cohort.crypto.secagg.ModelUpdate;
import io.cohort.crypto.secagg.Receipt;
import io.cohort.crypto.secagg.SecAggNodeSession;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.ShareKeys;
import io.cohort.crypto.secagg.ShareKeysRelay;
import io.cohort.crypto.secagg.UnmaskingRequest;
import io.cohort.crypto.secagg.UnmaskingResponse;
import io.cohort.crypto.secagg.internal.MaskStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Coordinator peak heap during aggregation, measured on the real {@link CoordinatorSession} in a
 * JVM of its own. Two phases, two processes (bench/secagg.sh runs both):
 *
 * <ol>
 *   <li>{@code record DIR n d}: n nodes and a coordinator run a complete round in one JVM; every
 *       message the coordinator receives is written to DIR as the bytes a transport would carry,
 *       and the nodes' expected quantised sum (round-to-nearest, so it is exact) too.
 *   <li>{@code replay DIR}: a fresh coordinator session is fed those bytes one message at a time,
 *       as the gRPC upload hands it over (one model-sized buffer per upload, decoded in place).
 *       Live heap is read after a full GC at each step, and the process runs under a -Xmx the
 *       script sets to about two accumulators plus slack: finishing at all bounds its peak.
 *       The unmasked sum is compared with the recorded expectation.
 * </ol>
 */
public final class CoordinatorHeapReport {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final String JOB = "heap";

  private CoordinatorHeapReport() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("record")) {
      record(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    } else if (args.length == 2 && args[0].equals("replay")) {
      replay(Path.of(args[1]));
    } else {
      System.err.println("usage: CoordinatorHeapReport record DIR n d | replay DIR");
      System.exit(2);
    }
  }

  static SecAggParameters params(int n, int d) throws Exception {
    return SecAggParameters.builder().maxCohortSize(n).threshold(2 * n / 3 + 1).minCohortSize(3).vectorLength(d)
        .quantizationBits(16).clipBound(1.0).rounding(SecAggParameters.Rounding.NEAREST).build();
  }

  private static void record(Path dir, int n, int d) throws Exception {
    Files.createDirectories(dir);
    SecAggParameters params = params(n, d);
    Map<Integer, IdentityKeyPair> identities = new TreeMap<>();
    Map<Integer, IdentityPublicKey> enrolled = new HashMap<>();
    for (int id = 1; id <= n; id++) {
      identities.put(id, IdentityKeyPair.generate());
      enrolled.put(id, identities.get(id).publicKey());
    }
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("identities")))) {
      out.writeInt(n);
      out.writeInt(d);
      for (int id = 1; id <= n; id++) {
        out.write(enrolled.get(id).raw());
      }
    }
    float[] x = Fixtures.update(new SplittableRandom(17), d); // one update shared by all: sum = n · q(x)
    ModelUpdate update = ModelUpdate.unweighted(x);
    CoordinatorSession c = session(params, enrolled);
    SortedMap<Integer, SecAggNodeSession> nodes = new TreeMap<>();
    for (int id = 1; id <= n; id++) {
      nodes.put(id, SecAggNodeSession.builder(params).round(JOB, 1).node(id, identities.get(id))
          .received(new byte[32], new byte[32]).certifiedIdentities((i, k) -> k.equals(enrolled.get(i))).build());
      write(dir, "1-" + id, nodes.get(id).advertiseKeys().encode(), m -> c.receiveAdvertiseKeys(AdvertiseKeys.decode(m)));
    }
    KeyRoster roster = c.closeAdvertiseKeys();
    for (SecAggNodeSession s : nodes.values()) {
      write(dir, "2-" + s.nodeId(), s.shareKeys(roster).encode(), m -> c.receiveShareKeys(ShareKeys.decode(m)));
    }
    SortedMap<Integer, ShareKeysRelay> relays = c.closeShareKeys();
    for (SecAggNodeSession s : nodes.values()) {
      write(dir, "3-" + s.nodeId(), s.maskedInput(relays.get(s.nodeId()), update).encode(),
          m -> c.receiveMaskedInput(MaskedInput.decode(m)));
    }
    ConsistencyCheckRequest check = c.closeMaskedInput();
    for (SecAggNodeSession s : nodes.values()) {
      write(dir, "4-" + s.nodeId(), s.consistencyCheck(check).encode(),
          m -> c.receiveConsistencyCheck(ConsistencyCheckResponse.decode(m)));
    }
    UnmaskingRequest unmask = c.closeConsistencyCheck();
    for (SecAggNodeSession s : nodes.values()) {
      write(dir, "5-" + s.nodeId(), s.unmask(unmask).encode(), m -> c.receiveUnmasking(UnmaskingResponse.decode(m)));
    }
    int[] sum = c.finish().quantizedSum();
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("expected")))) {
      for (int i = 0; i < 1000; i++) {
        out.writeInt(sum[(int) ((long) i * d / 1000)]);
      }
    }
    System.out.printf("recorded n=%d d=%d in %s%n", n, d, dir);
  }

  interface Receive {
    Receipt apply(byte[] m) throws Exception;
  }

  private static void write(Path dir, String name, byte[] bytes, Receive c) throws Exception {
    Files.write(dir.resolve(name), bytes);
    Receipt r = c.apply(bytes);
    if (!r.isAccepted()) {
      throw new IllegalStateException(name + ": " + r);
    }
  }

  private static CoordinatorSession session(SecAggParameters params, Map<Integer, IdentityPublicKey> enrolled) {
    return new CoordinatorSession(params, JOB, 1, new byte[32], new byte[32], (i, k) -> k.equals(enrolled.get(i)));
  }

  private static double liveMiB() {
    System.gc();
    System.gc();
    return MEMORY.getHeapMemoryUsage().getUsed() / 1048576.0;
  }

  private static void replay(Path dir) throws Exception {
    int n;
    int d;
    Map<Integer, IdentityPublicKey> enrolled = new HashMap<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("identities")))) {
      n = in.readInt();
      d = in.readInt();
      for (int id = 1; id <= n; id++) {
        enrolled.put(id, IdentityPublicKey.fromRaw(in.readNBytes(32)));
      }
    }
    double accMiB = 4.0 * (d + 1) / 1048576;
    MaskStream.warmUp();
    double base = liveMiB();
    CoordinatorSession c = session(params(n, d), enrolled);
    for (int id = 1; id <= n; id++) {
      c.receiveAdvertiseKeys(AdvertiseKeys.decode(Files.readAllBytes(dir.resolve("1-" + id))));
    }
    c.closeAdvertiseKeys();
    for (int id = 1; id <= n; id++) {
      c.receiveShareKeys(ShareKeys.decode(Files.readAllBytes(dir.resolve("2-" + id))));
    }
    c.closeShareKeys();
    double afterShares = liveMiB() - base;
    double peakInHand = 0;
    long t0 = System.nanoTime();
    for (int id = 1; id <= n; id++) {
      byte[] upload = Files.readAllBytes(dir.resolve("3-" + id)); // the transport's one buffer per upload
      MaskedInput m = MaskedInput.decode(upload);
      peakInHand = Math.max(peakInHand, liveMiB() - base); // accumulator + this message, both live
      c.receiveMaskedInput(m);
    }
    long summing = System.nanoTime() - t0;
    c.closeMaskedInput();
    for (int id = 1; id <= n; id++) {
      c.receiveConsistencyCheck(ConsistencyCheckResponse.decode(Files.readAllBytes(dir.resolve("4-" + id))));
    }
    c.closeConsistencyCheck();
    for (int id = 1; id <= n; id++) {
      c.receiveUnmasking(UnmaskingResponse.decode(Files.readAllBytes(dir.resolve("5-" + id))));
    }
    double beforeFinish = liveMiB() - base;
    t0 = System.nanoTime();
    AggregateResult r = c.finish();
    long unmasking = System.nanoTime() - t0;
    double afterFinish = liveMiB() - base;
    int mismatches = 0;
    int[] got = r.quantizedSum(); // a copy, taken after the measurements
    try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("expected")))) {
      for (int i = 0; i < 1000; i++) {
        if (in.readInt() != got[(int) ((long) i * d / 1000)]) {
          mismatches++;
        }
      }
    }
    System.out.printf("replay n=%d d=%d -Xmx=%d MiB: one accumulator = %.1f MiB; live heap above baseline (%.1f MiB):"
        + " after ShareKeys %.1f MiB, peak with a masked input in hand %.1f MiB, before unmasking %.1f MiB,"
        + " after unmasking %.1f MiB; summing %.2f s, unmasking %.2f s; 1000 sampled coordinates %s%n",
        n, d, Runtime.getRuntime().maxMemory() >> 20, accMiB, base, afterShares, peakInHand, beforeFinish,
        afterFinish, summing / 1e9, unmasking / 1e9, mismatches == 0 ? "equal the plaintext sum" : mismatches
            + " MISMATCHES");
    if (mismatches != 0) {
      System.exit(1);
    }
  }
}
