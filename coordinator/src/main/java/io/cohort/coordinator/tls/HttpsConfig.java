package io.cohort.coordinator.tls;

import io.smallrye.config.ConfigMapping;

/**
 * The admin API's and dashboard's HTTPS files ({@code cohort.https.*}, issue 21 #5), which
 * application.properties hands to the HTTP server (quarkus.http.ssl.certificate.*); documented in
 * docs/configuration.md. {@code bin/cohort serve} checks them before the server starts.
 */
@ConfigMapping(prefix = "cohort.https")
public interface HttpsConfig {
  /** PEM certificate chain, leaf first: {@code <pki-dir>/https.crt} or the organisation's. */
  String certificate();

  /** Its unencrypted PEM private key: {@code <pki-dir>/https.key} or the organisation's. */
  String key();
}
