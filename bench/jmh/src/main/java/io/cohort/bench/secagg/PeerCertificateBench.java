package io.cohort.bench.secagg;

import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.pki.CertificateValidator;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeCertificate;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.RevocationList;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * Issue 21 #2: what a node adds to a secure round's setup by checking its peers itself, for the
 * n − 1 other participants — the work of the node's {@code PeerVerifier}: verify the relayed CRL
 * against the federation CA once, then per peer parse its DER certificate, check chain, validity,
 * usage, CN and revocation ({@link CertificateValidator#validateNode}) and compare the certified key
 * with the relayed one. Run beside {@link NodeSetupBench} at the same n: the ratio is the overhead
 * (target ≤ 10 %). The CRL lists 100 revoked serials, none of them a participant's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PeerCertificateBench {
  @Param({"20", "50"})
  public int n;

  private CertificateValidator validator;
  private X509Certificate caCertificate;
  private byte[] crlDer;
  private final List<byte[]> certificates = new ArrayList<>();
  private final List<IdentityPublicKey> relayedKeys = new ArrayList<>();

  @Setup
  public void setUp() throws Exception {
    FederationCa ca = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    caCertificate = ca.certificate();
    validator = new CertificateValidator(caCertificate);
    Path dir = Files.createTempDirectory("peer-cert-bench");
    for (int i = 1; i < n; i++) {
      NodeKey key = NodeKey.loadOrCreate(dir.resolve("node-" + i + ".key"));
      certificates.add(ca.issueNode(CertificationRequest.create("node-" + i, key), "node-" + i, Duration.ofDays(1))
          .getEncoded());
      relayedKeys.add(key.publicKey());
    }
    List<BigInteger> revoked = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      revoked.add(BigInteger.valueOf(1_000_003L * (i + 1)));
    }
    crlDer = ca.revocationList(revoked, BigInteger.ONE, Duration.ofHours(24)).der();
  }

  @Benchmark
  public int checkAllPeers(CpuTime cpu) throws Exception {
    RevocationList crl = RevocationList.verified(crlDer, caCertificate);
    Instant now = Instant.now();
    int ok = 0;
    for (int i = 0; i < certificates.size(); i++) {
      X509Certificate x = Pem.certificate(certificates.get(i), "peer");
      NodeCertificate c = validator.validateNode(List.of(x), now, crl::isRevoked);
      if (c.identityKey().equals(relayedKeys.get(i))) {
        ok++;
      }
    }
    if (ok != certificates.size()) {
      throw new IllegalStateException("a certified key differs from the relayed one");
    }
    return ok;
  }
}
