package io.cohort.coordinator.rest;

import io.cohort.coordinator.auth.ApiToken;
import jakarta.enterprise.context.RequestScoped;

/** The token of the request being served, set by {@link AdminAuthFilter}. */
@RequestScoped
public class CurrentCaller {
  private ApiToken token;

  void set(ApiToken token) {
    this.token = token;
  }

  public ApiToken token() {
    if (token == null) {
      throw new IllegalStateException("no authenticated caller in this request");
    }
    return token;
  }

  /** The caller's identity for the audit log. */
  public String actor() {
    return token().actor();
  }
}
