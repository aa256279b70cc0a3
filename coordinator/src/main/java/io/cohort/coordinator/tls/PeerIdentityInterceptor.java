package io.cohort.coordinator.tls;

import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.crypto.pki.NodeCertificate;
import io.cohort.crypto.pki.PkiException;
import io.cohort.proto.v1.EnrolmentServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Resolves who is calling from the TLS session's client certificate, never from a message field.
 * Every call except enrolment must present a valid, unrevoked node certificate of this
 * federation (UNAUTHENTICATED otherwise; PERMISSION_DENIED when revoked), and every message of
 * the call must claim exactly the certificate's node (PERMISSION_DENIED otherwise). Revocation is
 * consulted on every call, so a revoked node's next heartbeat fails and its session ends.
 *
 * <p>In plaintext development mode there is no certificate and every call passes unchanged.
 */
@ApplicationScoped
@GlobalInterceptor
public class PeerIdentityInterceptor implements ServerInterceptor {
  /** The caller's validated certificate, for services that want it. */
  public static final Context.Key<NodeCertificate> NODE_CERTIFICATE = Context.key("cohort-node-certificate");
  /** The caller's certificate as it presented it (DER), relayed to its secure-round peers (issue 21 #2). */
  public static final Context.Key<byte[]> NODE_CERTIFICATE_DER = Context.key("cohort-node-certificate-der");
  private static final Logger LOG = Logger.getLogger(PeerIdentityInterceptor.class.getName());

  @Inject PkiContext pki;
  @Inject NodeRegistry registry;
  @Inject Clock clock;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (pki.plaintextDev() || EnrolmentServiceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    NodeCertificate cert;
    byte[] der;
    try {
      List<X509Certificate> chain = peerChain(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
      cert = pki.validator().validateNode(chain, clock.instant(), serial -> false);
      der = chain.get(0).getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("the client certificate does not re-encode"));
    } catch (PkiException e) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(e.getMessage()
          + " (a node needs a certificate from this federation: cohort-node enroll)"));
    }
    if (pki.revocations().isRevoked(cert)) {
      registry.end(cert.nodeId());
      LOG.info(() -> "refused a call from revoked node '" + cert.nodeId() + "'");
      return refuse(call, Status.PERMISSION_DENIED.withDescription("the certificate of node '" + cert.nodeId()
          + "' is revoked; the node must enrol again with a new token"));
    }
    ServerCall.Listener<Q> delegate = Contexts.interceptCall(Context.current().withValues(NODE_CERTIFICATE, cert,
        NODE_CERTIFICATE_DER, der), call,
        headers, next);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean closed;

      @Override
      public void onMessage(Q message) {
        if (closed) {
          return;
        }
        String mismatch = ClaimedIdentity.mismatch(message, cert);
        if (mismatch != null) {
          closed = true;
          call.close(Status.PERMISSION_DENIED.withDescription(mismatch), new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!closed) {
          super.onHalfClose();
        }
      }
    };
  }

  private static List<X509Certificate> peerChain(SSLSession session) {
    List<X509Certificate> chain = new ArrayList<>();
    if (session == null) {
      return chain;
    }
    try {
      for (Certificate c : session.getPeerCertificates()) {
        if (c instanceof X509Certificate x) {
          chain.add(x);
        }
      }
    } catch (SSLPeerUnverifiedException e) {
      // The client sent no certificate (enrolment clients may not): validation says so.
    }
    return chain;
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
