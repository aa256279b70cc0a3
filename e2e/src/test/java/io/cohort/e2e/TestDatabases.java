package io.cohort.e2e;

import java.security.SecureRandom;
import java.util.List;
import java.util.stream.Stream;

/**
 * The databases the cross-process tests run the coordinator on: always the embedded H2 default,
 * and PostgreSQL too when {@code COHORT_TEST_POSTGRES_URL} is set (as {@code .ci/run} does after
 * starting Debian's postgresql). Each PostgreSQL run gets a fresh schema, selected by
 * configuration alone, the way an operator would.
 */
final class TestDatabases {
  private TestDatabases() {}

  static Stream<String> databases() {
    String pg = System.getenv("COHORT_TEST_POSTGRES_URL");
    return pg == null || pg.isBlank() ? Stream.of("h2") : Stream.of("h2", "postgresql");
  }

  /** Coordinator settings for {@code db}: none for H2; the postgres profile, URL and a new schema otherwise. */
  static List<String> coordinatorProperties(String db) {
    if (db.equals("h2")) {
      return List.of();
    }
    String url = System.getenv("COHORT_TEST_POSTGRES_URL");
    int q = url.indexOf('?');
    String base = q < 0 ? url : url.substring(0, q);
    String user = "cohort";
    String password = "";
    if (q >= 0) {
      for (String kv : url.substring(q + 1).split("&")) {
        if (kv.startsWith("user=")) {
          user = kv.substring(5);
        } else if (kv.startsWith("password=")) {
          password = kv.substring(9);
        }
      }
    }
    String schema = "e2e" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
    return List.of("quarkus.profile=postgres",
        "quarkus.datasource.postgresql.jdbc.url=" + base + "?currentSchema=" + schema,
        "quarkus.datasource.postgresql.username=" + user,
        "quarkus.datasource.postgresql.password=" + password,
        "quarkus.flyway.postgresql.schemas=" + schema,
        "quarkus.flyway.postgresql.create-schemas=true");
  }
}
