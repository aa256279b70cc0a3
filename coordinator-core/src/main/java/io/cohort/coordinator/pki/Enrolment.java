package io.cohort.coordinator.pki;

import io.cohort.coordinator.DomainException;
import io.cohort.crypto.Digests;
import io.cohort.crypto.SecureTokens;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.TlsMaterial;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Online enrolment: one-time tokens, certificate requests (CSRs) and their approval.
 *
 * <p>A token is {@code <secret>.<CA fingerprint>}: the node proves it holds the secret, and pins
 * the coordinator's CA by the fingerprint before it trusts anything the coordinator says. Only the
 * secret's SHA-256 is stored. A token is spent by the first request and is bound to one node id.
 * Requests carry public keys only; the CA signs a request only after it was approved, by the
 * token (automatic approval) or by an administrator comparing the CSR fingerprint.
 */
public final class Enrolment {
  /** Request and answer states, as stored and as sent on the wire. */
  public enum State { PENDING, ISSUED, REJECTED }

  /** What a node learns about its request. */
  public record Result(State state, String fingerprint, String chainPem) {}

  private final PkiStore store;
  /** The CA key, only for a development CA on the coordinator; empty with an offline CA (issue 21 #1). */
  private final Optional<FederationCa> ca;
  private final X509Certificate caCertificate;
  private final Clock clock;
  private final Duration certificateValidity;

  /** Enrolment with a development CA on the coordinator: approved requests are signed here at once. */
  public Enrolment(PkiStore store, FederationCa ca, Clock clock, Duration certificateValidity) {
    this(store, ca.certificate(), Optional.of(ca), clock, certificateValidity);
  }

  /**
   * @param ca the CA key when it is on the coordinator (development); empty for an offline CA, whose
   *     requests stay pending until the certificate signed on the CA machine is installed ({@link #install})
   */
  public Enrolment(PkiStore store, X509Certificate caCertificate, Optional<FederationCa> ca, Clock clock,
      Duration certificateValidity) {
    this.store = store;
    this.caCertificate = caCertificate;
    this.ca = ca;
    this.clock = clock;
    this.certificateValidity = certificateValidity;
  }

  /** Whether the CA key is offline (the default): requests are signed on the CA machine. */
  public boolean offlineCa() {
    return ca.isEmpty();
  }

  /**
   * Creates a one-time token for {@code nodeId}; the returned string is shown once and never
   * stored. {@code actor} (who asked) goes to the audit log.
   */
  public String createToken(String nodeId, boolean autoApprove, Duration ttl, String actor) {
    if (nodeId == null || !CertificationRequest.NODE_ID.matcher(nodeId).matches()) {
      throw DomainException.invalid("node id must be 1-128 letters, digits, '.', '_' or '-', got '" + nodeId + "'");
    }
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(30)) > 0) {
      throw DomainException.invalid("token lifetime must be between 1 second and 30 days, got " + ttl);
    }
    String secret = SecureTokens.token();
    store.insertToken(new PkiStore.Token(hash(secret), nodeId, autoApprove, clock.instant().plus(ttl), null), actor);
    return secret + "." + TlsMaterial.fingerprint(caCertificate);
  }

  /** Accepts a node's request under a token; issues at once when the token pre-approves. */
  public Result submit(String nodeId, String tokenSecret, byte[] csrDer) {
    CertificationRequest csr = parse(csrDer);
    if (!csr.nodeId().equals(nodeId)) {
      throw DomainException.invalid("the request's subject is CN=" + csr.nodeId() + " but node_id is '" + nodeId + "'");
    }
    String tokenHash = hash(secretPart(tokenSecret));
    PkiStore.Token token = store.token(tokenHash).filter(t -> t.nodeId().equals(nodeId))
        .orElseThrow(() -> refused("the enrolment token is unknown or was issued for another node"));
    Optional<PkiStore.Request> existing = store.request(nodeId, csr.fingerprint());
    if (existing.isPresent() && existing.get().tokenHash().equals(tokenHash)) {
      return notRevoked(result(existing.get()), nodeId);
    }
    Instant now = clock.instant();
    if (token.usedAt() != null) {
      throw refused("the enrolment token was already used; ask the administrator for a new one");
    }
    if (!now.isBefore(token.expiresAt())) {
      throw refused("the enrolment token expired at " + token.expiresAt() + "; ask the administrator for a new one");
    }
    var req = new PkiStore.Request(nodeId, csr.fingerprint(), csr.toPem(), tokenHash, State.PENDING.name(), null, now);
    if (!store.spendTokenAndInsert(req, now)) {
      throw refused("the enrolment token was already used; ask the administrator for a new one");
    }
    if (token.autoApprove() && ca.isPresent()) {
      return issue(csr, nodeId, io.cohort.coordinator.audit.AuditEvent.SYSTEM);
    }
    return new Result(State.PENDING, csr.fingerprint(), "");
  }

  /** The state of a request, for the node that holds its token. */
  public Result fetch(String nodeId, String fingerprint, String tokenSecret) {
    PkiStore.Request r = store.request(nodeId, fingerprint)
        .filter(x -> x.tokenHash().equals(hash(secretPart(tokenSecret))))
        .orElseThrow(() -> DomainException.notFound("no certificate request of node '" + nodeId + "' with fingerprint "
            + fingerprint + " under this token"));
    return notRevoked(result(r), nodeId);
  }

  /**
   * Approves the pending request of {@code nodeId} whose CSR fingerprint is {@code fingerprint},
   * and issues; {@code actor} (the approving administrator) goes to the audit log.
   */
  public Result approve(String nodeId, String fingerprint, String actor) {
    String fp = fingerprint.toLowerCase(java.util.Locale.ROOT).replace(":", "");
    PkiStore.Request r = store.request(nodeId, fp).filter(x -> x.state().equals(State.PENDING.name()))
        .orElseThrow(() -> DomainException.notFound("no pending certificate request of node '" + nodeId
            + "' with fingerprint " + fp + "; pending: " + pending()));
    if (ca.isEmpty()) {
      throw DomainException.precondition("the federation CA is offline, so the coordinator cannot sign: export this"
          + " request (cohort node csr " + nodeId + " --fingerprint " + fp + " --out " + nodeId + ".csr), sign it on the"
          + " CA machine (cohort pki issue --ca-dir DIR --node " + nodeId + " --csr " + nodeId + ".csr --fingerprint "
          + fp + " --out KIT), then install the certificate (cohort node install-cert " + nodeId + " KIT/" + nodeId
          + ".crt)");
    }
    CertificationRequest csr = parse(Pem.decodeAll(r.csrPem(), "CERTIFICATE REQUEST").get(0));
    return issue(csr, nodeId, actor);
  }

  /**
   * Issue 21 #1: the PEM of the pending request of {@code nodeId} with this CSR fingerprint, for the
   * operator to carry to the offline CA. Asking by fingerprint is the approval: the operator has
   * compared it with the one the node's operator read out.
   */
  public String csr(String nodeId, String fingerprint) {
    String fp = fingerprint.toLowerCase(java.util.Locale.ROOT).replace(":", "");
    return store.request(nodeId, fp).filter(x -> x.state().equals(State.PENDING.name()))
        .orElseThrow(() -> DomainException.notFound("no pending certificate request of node '" + nodeId
            + "' with fingerprint " + fp + "; pending: " + pending()))
        .csrPem();
  }

  /**
   * Issue 21 #1: installs a certificate the offline CA signed for a pending request of {@code nodeId}:
   * it must be a node certificate of the federation CA for exactly that node, valid now, certifying
   * the key of one of the node's pending requests; that request becomes ISSUED and the node's
   * {@code cohort-node enroll} picks the certificate up.
   */
  public Result install(String nodeId, String certificatePem, String actor) {
    X509Certificate leaf;
    io.cohort.crypto.pki.NodeCertificate checked;
    try {
      List<byte[]> ders = Pem.decodeAll(certificatePem, "CERTIFICATE");
      if (ders.isEmpty()) {
        throw DomainException.invalid("no PEM CERTIFICATE in the body");
      }
      leaf = Pem.certificate(ders.get(0), "the certificate");
      checked = new io.cohort.crypto.pki.CertificateValidator(caCertificate).validateNode(List.of(leaf), clock.instant(),
          s -> false);
    } catch (PkiException e) {
      throw DomainException.invalid(e.getMessage());
    }
    if (!checked.nodeId().equals(nodeId)) {
      throw DomainException.invalid("the certificate names node '" + checked.nodeId() + "', not '" + nodeId + "'");
    }
    PkiStore.Request match = store.pendingRequests().stream().filter(r -> r.nodeId().equals(nodeId))
        .map(r -> store.request(nodeId, r.fingerprint()).orElseThrow())
        .filter(r -> parse(Pem.decodeAll(r.csrPem(), "CERTIFICATE REQUEST").get(0)).publicKey()
            .equals(checked.identityKey()))
        .findFirst()
        .orElseThrow(() -> DomainException.notFound("no pending certificate request of node '" + nodeId + "' for the"
            + " key this certificate certifies; pending: " + pending()));
    String chain = Pem.certificates(List.of(leaf, caCertificate));
    Instant now = clock.instant();
    store.decide(nodeId, match.fingerprint(), State.ISSUED.name(), chain, now, actor);
    store.recordIssued(leaf.getSerialNumber().toString(16), nodeId, TlsMaterial.fingerprint(leaf),
        leaf.getNotAfter().toInstant(), now);
    return new Result(State.ISSUED, match.fingerprint(), chain);
  }

  public List<PkiStore.Request> pendingRequests() {
    return store.pendingRequests();
  }

  private String pending() {
    List<PkiStore.Request> p = store.pendingRequests();
    return p.isEmpty() ? "none" : String.join(", ", p.stream().map(x -> x.nodeId() + " " + x.fingerprint()).toList());
  }

  private Result issue(CertificationRequest csr, String nodeId, String approvedBy) {
    X509Certificate cert;
    try {
      cert = ca.orElseThrow().issueNode(csr, nodeId, certificateValidity);
    } catch (PkiException e) {
      throw DomainException.invalid(e.getMessage());
    }
    String chain = Pem.certificates(List.of(cert, caCertificate));
    Instant now = clock.instant();
    store.decide(nodeId, csr.fingerprint(), State.ISSUED.name(), chain, now, approvedBy);
    store.recordIssued(cert.getSerialNumber().toString(16), nodeId, TlsMaterial.fingerprint(cert),
        cert.getNotAfter().toInstant(), now);
    return new Result(State.ISSUED, csr.fingerprint(), chain);
  }

  /**
   * Issue 22 #9: asking again under a spent token returned the certificate issued under it, even
   * after the node was revoked, and {@code cohort-node enroll} printed {@code enrolled} with a
   * certificate the coordinator refuses. A revoked certificate is never handed out again.
   */
  private Result notRevoked(Result r, String nodeId) {
    if (r.state() != State.ISSUED) {
      return r;
    }
    Optional<Instant> revokedAt = store.revokedAt(nodeId);
    if (revokedAt.isEmpty()) {
      return r;
    }
    X509Certificate leaf;
    try {
      leaf = Pem.certificate(Pem.decodeAll(r.chainPem(), "CERTIFICATE").get(0), "the stored certificate");
    } catch (PkiException e) {
      throw DomainException.precondition("the certificate stored for node '" + nodeId + "' is unreadable: "
          + e.getMessage());
    }
    // Revocations' own rule: a certificate issued (notBefore + skew) no later than the revocation is revoked.
    if (!leaf.getNotBefore().toInstant().plus(Revocations.ISSUE_SKEW).isAfter(revokedAt.get())) {
      throw refused("node '" + nodeId + "' was revoked at " + revokedAt.get() + ", after the certificate issued under"
          + " this token; ask the administrator for a new token (cohort node token " + nodeId + ")");
    }
    return r;
  }

  private static Result result(PkiStore.Request r) {
    State s = State.valueOf(r.state());
    return new Result(s, r.fingerprint(), s == State.ISSUED ? r.certificatePem() : "");
  }

  private static CertificationRequest parse(byte[] der) {
    try {
      return CertificationRequest.parse(der);
    } catch (PkiException e) {
      throw DomainException.invalid(e.getMessage());
    }
  }

  /** Accepts the whole token ({@code secret.fingerprint}) or just the secret. */
  private static String secretPart(String token) {
    if (token == null || token.isBlank()) {
      throw refused("an enrolment token is required (cohort node token NODE prints one)");
    }
    int dot = token.indexOf('.');
    return dot < 0 ? token.strip() : token.substring(0, dot).strip();
  }

  private static String hash(String secret) {
    return Digests.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
  }

  private static DomainException refused(String message) {
    return new DomainException(DomainException.Kind.UNAUTHENTICATED, message);
  }
}
