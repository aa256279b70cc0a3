package io.cohort.bench.secagg;

import io.cohort.crypto.secagg.internal.MaskSeeds;
import io.cohort.crypto.secagg.internal.MaskStream;
import io.cohort.crypto.secagg.internal.Masker;
import io.cohort.crypto.secagg.internal.Quantizer;
import io.cohort.crypto.secagg.internal.X25519KeyPair;
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
 * A node's masking work in one round, as {@code NodeSession.maskedInput} does it after the shares
 * are in: n − 1 X25519 agreements and HKDFs for the pairwise seeds, the self-mask seed, then
 * quantise d values and add n masks (complete graph) into the little-endian payload.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class NodeMaskingBench {
  @Param({"4190000", "40000000"})
  public int d;

  @Param({"3", "10", "20", "50"})
  public int n;

  private float[] values;
  private X25519KeyPair self;
  private byte[][] peerPublicKeys;
  private byte[] sessionId;
  private byte[] selfSeed;
  private final SplittableRandom random = new SplittableRandom(11);

  @Setup
  public void setUp() {
    values = Fixtures.update(random, d);
    SecureRandom keys = new SecureRandom();
    self = X25519KeyPair.generate(keys);
    peerPublicKeys = new byte[n - 1][];
    for (int i = 0; i < n - 1; i++) {
      peerPublicKeys[i] = X25519KeyPair.generate(keys).publicKey();
    }
    sessionId = Fixtures.bytes(random, 32);
    selfSeed = Fixtures.bytes(random, 32);
    MaskStream.warmUp();
  }

  @Benchmark
  public byte[] maskOneRound(CpuTime cpu) {
    List<Masker.Mask> masks = new ArrayList<>(n);
    masks.add(new Masker.Mask(MaskSeeds.selfMask(selfSeed, sessionId), false));
    for (int i = 0; i < n - 1; i++) {
      masks.add(new Masker.Mask(MaskSeeds.pairwise(self.privateKey(), peerPublicKeys[i], sessionId), (i & 1) == 0));
    }
    Quantizer q = new Quantizer(16, 1.0, true, random.split());
    return Masker.mask(q, values, 1.0, 1, masks);
  }
}
