package io.cohort.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.coordinator.auth.ApiToken;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Who the presented token is: its id, name and role, never the secret. The dashboard signs in
 * with it and shows mutating controls only for role admin (the API enforces the roles anyway).
 */
@Path("/api/v1/session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {
  @Inject CurrentCaller caller;

  public record Session(@JsonProperty("token_id") String tokenId, String name, String role) {}

  @GET
  public Session get() {
    ApiToken t = caller.token();
    return new Session(t.tokenId(), t.name(), t.role().wireName());
  }
}
