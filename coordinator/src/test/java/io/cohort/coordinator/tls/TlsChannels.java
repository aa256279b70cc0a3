package io.cohort.coordinator.tls;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/** Client channels as a node builds them: JDK TLS 1.3 (Ed25519 certificates), optional client key. */
final class TlsChannels {
  private TlsChannels() {}

  static ManagedChannel channel(int port, KeyManager key, TrustManager trust, ClientInterceptor... interceptors) {
    try {
      SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
          .protocols("TLSv1.3").trustManager(trust);
      if (key != null) {
        b.keyManager(key);
      }
      return NettyChannelBuilder.forAddress("localhost", port).sslContext(b.build()).intercept(interceptors).build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException(e);
    }
  }
}
