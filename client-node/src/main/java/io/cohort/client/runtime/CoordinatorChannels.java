package io.cohort.client.runtime;

import io.cohort.client.config.NodeConfig;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The node's channel to the coordinator: mutual TLS 1.3 with the node's certificate by default,
 * plaintext only in development mode.
 *
 * <p>TLS runs on the JDK's provider, not the BoringSSL bundled with grpc-netty-shaded, because
 * the node's certificate key is its Ed25519 identity key and the JDK's TLS 1.3 signs and checks
 * Ed25519 on both sides (RFC 8446 §4.2.3); the coordinator's certificate must carry the host
 * name or IP the node dials.
 */
public final class CoordinatorChannels {
  private CoordinatorChannels() {}

  /** Opens the channel {@code config} describes; the error names the missing file and how to get it. */
  public static ManagedChannel open(NodeConfig config, int maxMessageBytes) throws PkiException {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(config.coordinatorHost(), config.coordinatorPort())
        .maxInboundMessageSize(maxMessageBytes)
        .keepAliveTime(30, TimeUnit.SECONDS);
    if (config.plaintext()) {
      b.usePlaintext();
    } else {
      b.sslContext(mutualTls(config));
    }
    return b.build();
  }

  static SslContext mutualTls(NodeConfig config) throws PkiException {
    for (var f : List.of(config.certificate(), config.caCertificate())) {
      if (!Files.isRegularFile(f)) {
        throw new PkiException(f + ": no such file; enrol this node first (cohort-node enroll --config CONFIG"
            + " --coordinator HOST:PORT --token TOKEN) or unpack its startup kit (cohort pki issue)");
      }
    }
    List<X509Certificate> chain = Pem.readCertificates(config.certificate());
    X509Certificate ca = Pem.readCertificates(config.caCertificate()).get(0);
    if (chain.get(0).getNotAfter().toInstant().isBefore(Instant.now())) {
      throw new PkiException(config.certificate() + ": the node certificate expired at "
          + chain.get(0).getNotAfter().toInstant() + "; enrol again with a new token");
    }
    NodeKey key;
    try {
      key = NodeKey.loadOrCreate(config.identityKey());
    } catch (IOException e) {
      throw new PkiException("cannot read the identity key " + config.identityKey() + ": " + e.getMessage());
    }
    return context(TlsMaterial.nodeKeyManagers(key, chain)[0], TlsMaterial.trusting(ca)[0]);
  }

  /** A JDK TLS 1.3 client context; {@code key} may be null (enrolment, before the node has a certificate). */
  public static SslContext context(KeyManager key, TrustManager trust) throws PkiException {
    try {
      SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
          .protocols("TLSv1.3").trustManager(trust);
      if (key != null) {
        b.keyManager(key);
      }
      return b.build();
    } catch (SSLException e) {
      throw new PkiException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
