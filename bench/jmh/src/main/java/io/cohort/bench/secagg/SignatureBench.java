package io.cohort.bench.secagg;

import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ed25519 sign and verify of a 100-byte transcript, side by side: the JDK's SunEC provider
 * (straight through {@link Signature}), BouncyCastle's RFC 8032 code, and {@code io.cohort.crypto.keys}
 * as shipped (whichever of the two it uses).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SignatureBench {
  private final byte[] message = Fixtures.bytes(new SplittableRandom(3), 100);
  private KeyPair jdk;
  private byte[] jdkSignature;
  private byte[] bcPrivate;
  private byte[] bcPublic;
  private byte[] bcSignature;
  private IdentityKeyPair cohort;
  private IdentityPublicKey cohortPublic;
  private byte[] cohortSignature;

  @Setup
  public void setUp() throws Exception {
    jdk = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    jdkSignature = jdkSign(null);
    bcPrivate = Fixtures.bytes(new SplittableRandom(5), Ed25519.SECRET_KEY_SIZE);
    bcPublic = new byte[Ed25519.PUBLIC_KEY_SIZE];
    Ed25519.generatePublicKey(bcPrivate, 0, bcPublic, 0);
    bcSignature = bcSign(null);
    cohort = IdentityKeyPair.generate();
    cohortPublic = IdentityPublicKey.fromRaw(cohort.publicKey().raw());
    cohortSignature = cohort.sign(message);
    if (!jdkVerify(null) || !bcVerify(null) || !cohortVerify(null)) {
      throw new IllegalStateException("a signature failed to verify");
    }
  }

  @Benchmark
  public byte[] jdkSign(CpuTime cpu) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(jdk.getPrivate());
    s.update(message);
    return s.sign();
  }

  @Benchmark
  public boolean jdkVerify(CpuTime cpu) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(jdk.getPublic());
    s.update(message);
    return s.verify(jdkSignature);
  }

  @Benchmark
  public byte[] bcSign(CpuTime cpu) {
    byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(bcPrivate, 0, message, 0, message.length, sig, 0);
    return sig;
  }

  @Benchmark
  public boolean bcVerify(CpuTime cpu) {
    return Ed25519.verify(bcSignature, 0, bcPublic, 0, message, 0, message.length);
  }

  @Benchmark
  public byte[] cohortSign(CpuTime cpu) {
    return cohort.sign(message);
  }

  @Benchmark
  public boolean cohortVerify(CpuTime cpu) {
    return cohortPublic.verify(message, cohortSignature);
  }
}
