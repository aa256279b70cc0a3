package io.cohort.coordinator.tls;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.pki.Enrolment;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.RevocationList;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The PKI part of the admin API (behind the admin bearer token like all of {@code /api}):
 * enrolment tokens, pending requests, approval by fingerprint, and revocation.
 */
@Path("/api/v1/pki")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Blocking
public class PkiResource {
  @Inject PkiContext pki;
  @Inject NodeRegistry registry;
  @Inject io.cohort.coordinator.rest.CurrentCaller caller;

  /** A one-time token for {@code node}; {@code approval=manual} makes its request wait for approval. */
  @POST
  @Path("/tokens")
  public Map<String, Object> token(@QueryParam("node") String node, @QueryParam("approval") @DefaultValue("auto") String approval,
      @QueryParam("ttl_hours") @DefaultValue("24") int ttlHours) {
    if (!approval.equals("auto") && !approval.equals("manual")) {
      throw DomainException.invalid("approval must be auto or manual, got '" + approval + "'");
    }
    String token = pki.enrolment().createToken(node, approval.equals("auto"), Duration.ofHours(ttlHours),
        caller.actor());
    // With an offline CA nothing is signed here: every request waits for the certificate from the CA machine.
    return Map.of("node_id", node, "token", token, "approval", pki.enrolment().offlineCa() ? "offline-ca" : approval,
        "expires_in_hours", ttlHours);
  }

  @GET
  @Path("/requests")
  public List<Map<String, Object>> pending() {
    return pki.enrolment().pendingRequests().stream()
        .map(r -> Map.<String, Object>of("node_id", r.nodeId(), "fingerprint", r.fingerprint(),
            "submitted_at", r.submittedAt().toString()))
        .toList();
  }

  @POST
  @Path("/nodes/{node}/approve")
  public Map<String, Object> approve(@PathParam("node") String node, @QueryParam("fingerprint") String fingerprint) {
    if (fingerprint == null || fingerprint.isBlank()) {
      throw DomainException.invalid("fingerprint is required: the CSR fingerprint the node printed when it enrolled");
    }
    Enrolment.Result r = pki.enrolment().approve(node, fingerprint, caller.actor());
    return Map.of("node_id", node, "fingerprint", r.fingerprint(), "state", r.state().name());
  }

  /**
   * Issue 21 #1, offline CA: the pending request's CSR (PEM) for the operator to carry to the CA
   * machine; asking by the fingerprint the node's operator read out is the approval.
   */
  @GET
  @Path("/nodes/{node}/csr")
  public Map<String, Object> csr(@PathParam("node") String node, @QueryParam("fingerprint") String fingerprint) {
    if (fingerprint == null || fingerprint.isBlank()) {
      throw DomainException.invalid("fingerprint is required: the CSR fingerprint the node printed when it enrolled");
    }
    return Map.of("node_id", node, "fingerprint", fingerprint, "csr", pki.enrolment().csr(node, fingerprint));
  }

  /**
   * Issue 21 #1, offline CA: installs the certificate (PEM body) the CA machine signed for a pending
   * request of {@code node}; the node's {@code cohort-node enroll} then fetches it.
   */
  @POST
  @Path("/nodes/{node}/certificate")
  public Map<String, Object> install(@PathParam("node") String node, String pem) {
    Enrolment.Result r = pki.enrolment().install(node, pem == null ? "" : pem, caller.actor());
    return Map.of("node_id", node, "fingerprint", r.fingerprint(), "state", r.state().name());
  }

  /**
   * The federation's certificate revocation list, freshly signed by the CA (valid 24 hours): PEM
   * ({@code X509 CRL}) by default, DER with {@code ?format=der}. Readable with any token.
   */
  @GET
  @Path("/crl")
  @Produces({"application/x-pem-file", "application/pkix-crl"})
  public Response crl(@QueryParam("format") @DefaultValue("pem") String format) {
    if (!format.equals("pem") && !format.equals("der")) {
      throw DomainException.invalid("format must be pem or der, got '" + format + "'");
    }
    RevocationList crl;
    try {
      crl = pki.revocationList(Duration.ofHours(24));
    } catch (PkiException e) {
      throw DomainException.precondition("cannot sign the revocation list: " + e.getMessage());
    }
    return format.equals("der")
        ? Response.ok(crl.der(), "application/pkix-crl").header("Content-Disposition", "attachment; filename=\"cohort.crl\"").build()
        : Response.ok(crl.toPem(), "application/x-pem-file").build();
  }

  /** Revokes every certificate of {@code node} issued so far and ends its session now. */
  @POST
  @Path("/nodes/{node}/revoke")
  public Map<String, Object> revoke(@PathParam("node") String node) {
    if (!CertificationRequest.NODE_ID.matcher(node).matches()) {
      throw DomainException.invalid("node id must be 1-128 letters, digits, '.', '_' or '-', got '" + node + "'");
    }
    Instant at = pki.revocations().revoke(node, caller.actor());
    registry.end(node);
    return Map.of("node_id", node, "revoked_at", at.toString());
  }
}
