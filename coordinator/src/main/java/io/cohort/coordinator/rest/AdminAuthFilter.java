package io.cohort.coordinator.rest;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.auth.ApiToken;
import io.cohort.coordinator.auth.Role;
import io.cohort.coordinator.auth.TokenStore;
import io.cohort.coordinator.store.JobStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every {@code /api} request needs {@code Authorization: Bearer <token>}: without a valid token
 * 401. Reading ({@code GET}, {@code HEAD}) is open to every role; anything else (submit, cancel,
 * create a token) needs {@link Role#ADMIN}, else 403, and the refusal is audited with the
 * caller's token id (never the token).
 */
@Provider
public class AdminAuthFilter implements ContainerRequestFilter {
  private static final Set<String> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  // Providers: the filter is created at static init, before the stores' configuration exists.
  @Inject jakarta.inject.Provider<TokenStore> tokens;
  @Inject CurrentCaller caller;
  @Inject jakarta.inject.Provider<JobStore> store;

  @Override
  public void filter(ContainerRequestContext ctx) {
    if (!ctx.getUriInfo().getPath().startsWith("/api/")) {
      return;
    }
    String auth = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
    String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7) : null;
    Optional<ApiToken> token = tokens.get().authenticate(presented);
    if (token.isEmpty()) {
      ctx.abortWith(error(Response.Status.UNAUTHORIZED, presented == null
          ? "a bearer token is required (Authorization: Bearer <token>; see docs/admin-api.md)"
          : "the bearer token is not valid")
          .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
      return;
    }
    ApiToken t = token.get();
    if (t.role() != Role.ADMIN && !READS.contains(ctx.getMethod())) {
      store.get().audit(new AuditEvent(t.actor(), "auth.forbidden", null, null, null,
          ctx.getMethod() + " /" + ctx.getUriInfo().getPath().replaceFirst("^/", "") + " needs role admin, token has "
              + t.role().wireName()));
      ctx.abortWith(error(Response.Status.FORBIDDEN, "token " + t.tokenId() + " has role " + t.role().wireName()
          + ", which is read-only; " + ctx.getMethod() + " needs role admin").build());
      return;
    }
    caller.set(t);
  }

  private static Response.ResponseBuilder error(Response.Status status, String message) {
    return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message));
  }
}
