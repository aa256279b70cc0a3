package io.cohort.bench.secagg;

import io.cohort.crypto.secagg.internal.Accumulator;
import io.cohort.crypto.secagg.internal.MaskSeeds;
import io.cohort.crypto.secagg.internal.MaskStream;
import io.cohort.crypto.secagg.internal.Masker;
import io.cohort.crypto.secagg.internal.PrimeField;
import io.cohort.crypto.secagg.internal.SecretBytes;
import io.cohort.crypto.secagg.internal.Shamir;
import io.cohort.crypto.secagg.internal.ShamirShare;
import io.cohort.crypto.secagg.internal.Transcripts;
import io.cohort.crypto.secagg.internal.X25519KeyPair;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The coordinator's aggregation work, secure against plain, measured side by side in one fork.
 *
 * <ul>
 *   <li>{@code plainQuantisedSum}: the |U3| survivors' quantised payloads (d + 1 little-endian
 *       words each) added into a fresh accumulator: what a coordinator without masking would do
 *       with the same quantised uploads.
 *   <li>{@code secureSumAndUnmask}: the same additions, then what {@code CoordinatorUnmasking}
 *       does: rebuild each survivor's self-mask seed from t shares (checked against its
 *       commitment) and each dropped node's mask key (checked against its public key), derive the
 *       dropped nodes' pairwise seeds with every survivor, remove all masks chunk by chunk
 *       ({@link Masker#unmask}), and range-check the sum.
 * </ul>
 * Payload contents do not change the cost of an addition, so two distinct payloads are reused
 * (n full payloads at d = 40M would need n · 160 MB).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 2, time = 1)
public class CoordinatorAggregationBench {
  @Param({"4190000", "40000000"})
  public int d;

  @Param({"3", "10", "20", "50"})
  public int n;

  /** Nodes that dropped after sharing keys and before their masked input (D2), in percent of n. */
  @Param({"0"})
  public int dropoutPercent;

  private int survivors;
  private int dropped;
  private int threshold;
  private byte[][] payloads;
  private byte[] sessionId;
  private List<List<ShamirShare>> selfMaskShares;
  private List<byte[]> commitments;
  private List<List<ShamirShare>> maskKeyShares;
  private List<byte[]> droppedPublicKeys;
  private List<byte[]> survivorPublicKeys;

  @Setup
  public void setUp() {
    SplittableRandom r = new SplittableRandom(13);
    SecureRandom keys = new SecureRandom();
    dropped = Fixtures.dropped(n, dropoutPercent);
    survivors = n - dropped;
    threshold = 2 * n / 3 + 1;
    payloads = new byte[][] {Fixtures.bytes(r, 4 * (d + 1)), Fixtures.bytes(r, 4 * (d + 1))};
    sessionId = Fixtures.bytes(r, 32);
    int[] holders = new int[n];
    for (int i = 0; i < n; i++) {
      holders[i] = i + 1;
    }
    selfMaskShares = new ArrayList<>();
    commitments = new ArrayList<>();
    survivorPublicKeys = new ArrayList<>();
    for (int u = 0; u < survivors; u++) {
      BigInteger b = PrimeField.random(keys);
      commitments.add(Transcripts.selfMaskCommitment(sessionId, u + 1, PrimeField.toLittleEndian(b)));
      selfMaskShares.add(Shamir.split(b, threshold, holders, keys).subList(0, threshold));
      survivorPublicKeys.add(X25519KeyPair.generate(keys).publicKey());
    }
    maskKeyShares = new ArrayList<>();
    droppedPublicKeys = new ArrayList<>();
    for (int v = 0; v < dropped; v++) {
      X25519KeyPair kp = X25519KeyPair.generate(keys);
      droppedPublicKeys.add(kp.publicKey());
      maskKeyShares.add(Shamir.split(kp.privateScalar(), threshold, holders, keys).subList(0, threshold));
    }
    MaskStream.warmUp();
  }

  private Accumulator sum() {
    Accumulator acc = new Accumulator(d + 1);
    for (int u = 0; u < survivors; u++) {
      acc.add(payloads[u & 1]);
    }
    return acc;
  }

  @Benchmark
  public int[] plainQuantisedSum(CpuTime cpu) {
    return sum().words();
  }

  @Benchmark
  public int secureSumAndUnmask(CpuTime cpu) {
    Accumulator acc = sum();
    List<Masker.Mask> masks = new ArrayList<>();
    for (int u = 0; u < survivors; u++) {
      byte[] expected = commitments.get(u);
      int owner = u + 1;
      BigInteger b = Shamir.robustCombine(selfMaskShares.get(u), threshold,
          s -> MessageDigest.isEqual(expected, Transcripts.selfMaskCommitment(sessionId, owner,
              PrimeField.toLittleEndian(s)))).orElseThrow().secret();
      masks.add(new Masker.Mask(MaskSeeds.selfMask(PrimeField.toLittleEndian(b), sessionId), false));
    }
    for (int v = 0; v < dropped; v++) {
      byte[] pk = droppedPublicKeys.get(v);
      BigInteger sk = Shamir.robustCombine(maskKeyShares.get(v), threshold,
          s -> MessageDigest.isEqual(pk, X25519KeyPair.publicKeyOf(PrimeField.toLittleEndian(s)))).orElseThrow().secret();
      SecretBytes skBytes = SecretBytes.wrap(PrimeField.toLittleEndian(sk));
      for (int u = 0; u < survivors; u++) {
        masks.add(new Masker.Mask(MaskSeeds.pairwise(skBytes, survivorPublicKeys.get(u), sessionId), (u & 1) == 0));
      }
    }
    Masker.unmask(acc.words(), masks);
    return acc.firstOutOfRange(Long.MAX_VALUE, 0, Long.MAX_VALUE);
  }
}
