package io.cohort.coordinator.tls;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Transport security settings ({@code cohort.tls.*}); documented in docs/configuration.md and docs/operations.md. */
@ConfigMapping(prefix = "cohort.tls")
public interface TlsConfig {
  /**
   * {@code mutual} (default): every node call needs a client certificate from the federation CA.
   * {@code plaintext-dev}: no TLS, node ids are taken on trust; development only, with a warning.
   */
  @WithDefault("mutual")
  String mode();

  /** Directory holding ca.key, ca.crt, coordinator.p12 and ca-truststore.p12 ({@code cohort pki init}). */
  String pkiDir();

  /** How long node certificates issued by online enrolment stay valid. */
  @WithDefault("8760h")
  Duration certificateValidity();

  default boolean plaintextDev() {
    return mode().equals("plaintext-dev");
  }
}
