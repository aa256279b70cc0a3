package io.cohort.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.auth.ApiToken;
import io.cohort.coordinator.auth.Role;
import io.cohort.coordinator.auth.TokenStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** Bearer tokens: create one (admin; the answer is the only time the token is shown) and list them. */
@Path("/api/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class TokenResource {
  @Inject TokenStore tokens;
  @Inject CurrentCaller caller;

  public record CreateRequest(String role, String name) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TokenView(@JsonProperty("token_id") String tokenId, String name, String role,
      @JsonProperty("created_by") String createdBy, @JsonProperty("created_at") String createdAt, String token) {
    static TokenView of(ApiToken t, String secret) {
      return new TokenView(t.tokenId(), t.name(), t.role().wireName(), t.createdBy(), t.createdAt().toString(), secret);
    }
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response create(CreateRequest req) {
    if (req == null) {
      throw DomainException.invalid("the body must be JSON {\"role\": \"admin|auditor\", \"name\": \"...\"}");
    }
    Role role;
    try {
      role = Role.parse(req.role());
    } catch (IllegalArgumentException e) {
      throw DomainException.invalid("field 'role': " + e.getMessage());
    }
    String name = req.name() == null || req.name().isBlank() ? role.wireName() + "-token" : req.name();
    TokenStore.Created created;
    try {
      created = tokens.create(role, name, caller.actor());
    } catch (IllegalArgumentException e) {
      throw DomainException.invalid("field 'name': " + e.getMessage());
    }
    return Response.status(201).entity(TokenView.of(created.token(), created.secret())).build();
  }

  @GET
  public List<TokenView> list() {
    return tokens.list().stream().map(t -> TokenView.of(t, null)).toList();
  }
}
