package io.cohort.client.cli;

import com.google.protobuf.ByteString;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.runtime.CoordinatorChannels;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import io.cohort.proto.v1.EnrolmentServiceGrpc;
import io.cohort.proto.v1.EnrolmentState;
import io.cohort.proto.v1.FetchCertificateRequest;
import io.cohort.proto.v1.SubmitRequestRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cohort-node enroll}: obtains this node's certificate online. The identity key is created
 * here, on the node (or reused), and only a certificate request leaves the machine. The
 * coordinator is trusted only if its CA matches the fingerprint inside the one-time token.
 */
@Command(name = "enroll", mixinStandardHelpOptions = true,
    description = "Enrol this node: create its key locally, send a certificate request with a one-time token,"
        + " wait for approval and store the certificate and the CA certificate where node.yaml says.")
final class EnrollCommand implements Callable<Integer> {
  @Mixin ConfigFile config = new ConfigFile();

  @Option(names = "--coordinator", paramLabel = "HOST:PORT",
      description = "The coordinator's gRPC address (default: 'coordinator' in the configuration).")
  String coordinator;

  @Option(names = "--token", description = "The one-time token from `cohort node token NODE`.")
  String token;

  @Option(names = "--csr-out", paramLabel = "FILE", description = "Offline (air-gapped) enrolment: only write the"
      + " certificate request to FILE for `cohort pki issue --csr FILE`; no network.")
  Path csrOut;

  @Option(names = "--wait", defaultValue = "PT10M", description = "How long to wait for an administrator's approval"
      + " (ISO-8601 duration, default: ${DEFAULT-VALUE}).")
  Duration wait;

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg = config.load();
    if (csrOut != null) {
      NodeKey key = NodeKey.loadOrCreate(cfg.identityKey());
      CertificationRequest csr = CertificationRequest.create(cfg.nodeId(), key);
      Pem.writePublic(csrOut, csr.toPem().getBytes(StandardCharsets.US_ASCII));
      System.out.println("certificate request for node " + cfg.nodeId() + " written to " + csrOut + " (public; the key"
          + " stays in " + cfg.identityKey() + ")");
      System.out.println("certificate request fingerprint: " + csr.fingerprint());
      return ExitCode.OK.code();
    }
    if (token == null) {
      System.err.println("cohort-node: --token TOKEN is required (or --csr-out FILE for offline enrolment)");
      return ExitCode.USAGE.code();
    }
    int dot = token.indexOf('.');
    if (dot <= 0 || !token.substring(dot + 1).matches("[0-9a-fA-F]{64}")) {
      System.err.println("cohort-node: --token must be the whole token `cohort node token` printed (SECRET.CA-FINGERPRINT)");
      return ExitCode.USAGE.code();
    }
    String caPin = token.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    // Issue 22 #9: a failed attempt left the key it had just made; only a key that was there before stays.
    boolean keyExisted = java.nio.file.Files.exists(cfg.identityKey());
    boolean enrolled = false;
    try {
      int code = enrol(cfg, caPin);
      enrolled = code == ExitCode.OK.code();
      return code;
    } finally {
      if (!enrolled && !keyExisted && java.nio.file.Files.deleteIfExists(cfg.identityKey())) {
        System.err.println("cohort-node: removed the identity key " + cfg.identityKey() + " made for this attempt");
      }
    }
  }

  private int enrol(NodeConfig cfg, String caPin) throws Exception {
    NodeKey key = NodeKey.loadOrCreate(cfg.identityKey());
    CertificationRequest csr = CertificationRequest.create(cfg.nodeId(), key);
    System.out.println("node " + cfg.nodeId() + ": identity key " + key.publicKey().hex() + " (kept in "
        + cfg.identityKey() + ", never sent)");
    System.out.println("certificate request fingerprint: " + csr.fingerprint());
    String target = target(cfg);
    ManagedChannel channel = NettyChannelBuilder.forTarget(target)
        .sslContext(CoordinatorChannels.context(null, TlsMaterial.pinnedCa(caPin))).build();
    try {
      var stub = EnrolmentServiceGrpc.newBlockingStub(channel);
      Instant deadline = Instant.now().plus(wait);
      var submit = SubmitRequestRequest.newBuilder()
          .setNodeId(cfg.nodeId()).setToken(token).setCsrDer(ByteString.copyFrom(csr.der())).build();
      io.cohort.proto.v1.SubmitRequestResponse r = null;
      // A busy or restarting coordinator (UNAVAILABLE, e.g. a TLS handshake cut short) is retried with
      // backoff while --wait lasts: the same token and request again are idempotent at the coordinator.
      for (long backoff = 2; r == null; backoff = Math.min(backoff * 2, 16)) {
        try {
          r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).submitRequest(submit);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE
              || Instant.now().plusSeconds(backoff).isAfter(deadline)) {
            throw e;
          }
          System.err.println("cohort-node: coordinator " + target + " unavailable (" + e.getStatus().getDescription()
              + "); retrying in " + backoff + " s");
          Thread.sleep(backoff * 1000);
        }
      }
      EnrolmentState state = r.getState();
      String chainPem = r.getCertificateChainPem();
      if (state == EnrolmentState.ENROLMENT_STATE_PENDING) {
        System.out.println("waiting for approval; read this fingerprint out to the federation's operator, who runs");
        System.out.println("  cohort node approve " + cfg.nodeId() + " --fingerprint " + csr.fingerprint());
        System.out.println("or, with the CA offline (the default), `cohort node csr " + cfg.nodeId() + " --fingerprint "
            + csr.fingerprint() + "`, `cohort pki issue` on the CA machine and `cohort node install-cert`");
      }
      while (state == EnrolmentState.ENROLMENT_STATE_PENDING && Instant.now().isBefore(deadline)) {
        Thread.sleep(2000);
        var f = stub.withDeadlineAfter(30, TimeUnit.SECONDS).fetchCertificate(FetchCertificateRequest.newBuilder()
            .setNodeId(cfg.nodeId()).setCsrFingerprint(csr.fingerprint()).setToken(token).build());
        state = f.getState();
        chainPem = f.getCertificateChainPem();
      }
      if (state != EnrolmentState.ENROLMENT_STATE_ISSUED) {
        System.err.println("cohort-node: no certificate (request " + state.name().replace("ENROLMENT_STATE_", "")
            + "); run enroll again with the same token to keep waiting");
        return ExitCode.FAILED.code();
      }
      store(cfg, key, caPin, chainPem);
      return ExitCode.OK.code();
    } catch (StatusRuntimeException e) {
      System.err.println("cohort-node: enrolment refused by " + target + ": " + e.getStatus().getCode() + ": "
          + (e.getStatus().getDescription() == null ? rootMessage(e) : e.getStatus().getDescription()));
      return ExitCode.FAILED.code();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private String target(NodeConfig cfg) {
    String t = coordinator == null ? cfg.coordinatorHost() + ":" + cfg.coordinatorPort() : coordinator;
    return t.replaceFirst("^[a-z]+://", "").replaceFirst("/$", "");
  }

  /** Checks the answer before writing it: the CA is the pinned one and the certificate certifies our key. */
  private static void store(NodeConfig cfg, NodeKey key, String caPin, String chainPem) throws Exception {
    List<X509Certificate> chain = new ArrayList<>();
    for (byte[] der : Pem.decodeAll(chainPem, "CERTIFICATE")) {
      chain.add(Pem.certificate(der, "the coordinator's answer"));
    }
    if (chain.size() < 2 || !TlsMaterial.fingerprint(chain.get(chain.size() - 1)).equals(caPin)) {
      throw new PkiException("the certificate chain does not end in the pinned CA " + caPin);
    }
    X509Certificate ca = chain.get(chain.size() - 1);
    chain.get(0).verify(ca.getPublicKey());
    TlsMaterial.nodeKeyManagers(key, chain);
    Pem.writePublic(cfg.certificate(), Pem.certificates(chain).getBytes(StandardCharsets.US_ASCII));
    Pem.writePublic(cfg.caCertificate(), Pem.certificates(List.of(ca)).getBytes(StandardCharsets.US_ASCII));
    System.out.println("enrolled: certificate " + cfg.certificate() + " valid until " + chain.get(0).getNotAfter().toInstant()
        + ", CA " + cfg.caCertificate() + " (" + caPin + ")");
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
