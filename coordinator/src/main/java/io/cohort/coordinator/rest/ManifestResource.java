package io.cohort.coordinator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.provenance.ProvenanceService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's signed provenance manifest. {@code GET}: the latest export's manifest, or a freshly
 * signed one for the stored global model when nothing was exported yet. {@code POST} (admin):
 * signs the manifest of an export that {@code cohort job export} made, from
 * {@code {"format", "global_model_sha256", "files": {name: sha256}}}. Both answer
 * {@code {"manifest": <provenance.json text>, "signature": <provenance.sig text>}}; the texts are
 * the exact signed bytes.
 */
@Path("/api/v1/jobs/{jobId}/manifest")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ManifestResource {
  @Inject ProvenanceService provenance;
  @Inject CurrentCaller caller;

  @GET
  public Map<String, String> get(@PathParam("jobId") String jobId) {
    return view(provenance.latestOrBundle(jobId));
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, String> sign(@PathParam("jobId") String jobId, JsonNode body) {
    if (body == null || !body.isObject()) {
      throw DomainException.invalid("the body must be a JSON object {\"format\", \"global_model_sha256\", \"files\"}");
    }
    String format = body.path("format").asText("");
    String model = body.path("global_model_sha256").asText("");
    JsonNode files = body.path("files");
    if (!files.isObject()) {
      throw DomainException.invalid("files must be an object of file name to SHA-256");
    }
    Map<String, String> sha = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      sha.put(e.getKey(), e.getValue().asText(null));
    }
    return view(provenance.sign(jobId, format, sha, model, caller.actor()));
  }

  private static Map<String, String> view(ProvenanceService.Signed s) {
    return Map.of("manifest", s.manifest(), "signature", s.signature());
  }
}
