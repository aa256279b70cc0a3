package io.cohort.coordinator.rest;

import io.cohort.coordinator.provenance.DetachedSignature;
import io.cohort.coordinator.provenance.ProvenanceService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** The public key that signs provenance manifests, to pin or to compare fingerprints with. */
@Path("/api/v1/provenance")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ProvenanceResource {
  @Inject ProvenanceService provenance;

  @GET
  @Path("key")
  public Map<String, String> key() {
    return Map.of("algorithm", DetachedSignature.ALGORITHM, "public_key", provenance.key().publicKey().hex(),
        "fingerprint", provenance.key().fingerprint());
  }
}
