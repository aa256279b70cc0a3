package io.cohort.coordinator.rest;

import io.cohort.coordinator.app.AdminToken;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;

/** Every {@code /api} request needs {@code Authorization: Bearer <admin token>}; otherwise 401. */
@Provider
public class AdminAuthFilter implements ContainerRequestFilter {
  @Inject AdminToken token;

  @Override
  public void filter(ContainerRequestContext ctx) {
    String auth = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
    String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7) : null;
    if (!token.matches(presented)) {
      ctx.abortWith(Response.status(Response.Status.UNAUTHORIZED)
          .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
          .type(MediaType.APPLICATION_JSON)
          .entity(Map.of("error", "a valid bearer token is required (see admin.token in the coordinator's data directory)"))
          .build());
    }
  }
}
