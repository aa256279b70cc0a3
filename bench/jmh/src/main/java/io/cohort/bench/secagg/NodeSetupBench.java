package io.cohort.bench.secagg;

import io.cohort.crypto.secagg.UnmaskingResponse;
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
 * Per-node setup cost of one round, everything but the masking itself (d = 16): two X25519 key
 * pairs and the signed advertisement; verifying the n signed roster entries, Shamir-splitting b_u
 * and s^SK for n − 1 peers and encrypting n − 1 shares; verifying n − 1 share headers and
 * decrypting their shares; signing the consistency check; verifying t consistency signatures and
 * signing the unmasking answer. Replayed from a recorded round ({@link ReplayedRound}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NodeSetupBench {
  @Param({"20", "50"})
  public int n;

  private ReplayedRound round;

  @Setup
  public void setUp() throws Exception {
    round = new ReplayedRound(n);
  }

  @Benchmark
  public UnmaskingResponse oneNodeAllStages(CpuTime cpu) throws Exception {
    return round.replayNode();
  }
}
