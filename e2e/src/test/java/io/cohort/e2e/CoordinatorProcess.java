package io.cohort.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The coordinator (Quarkus app) on loopback, with a fixed data directory and fixed ports, so that
 * a restart after a kill finds its database, models and admin token where it left them.
 */
final class CoordinatorProcess extends ManagedProcess {
  private final Path dataDir;
  private final int grpcPort;
  private final int httpPort;
  private final boolean mutualTls;
  private final List<String> properties;
  /** The admin API's certificate, key and CA in the development profile ({@link #adminHttps}); else null. */
  private Path adminTls;
  private AdminClient admin;

  /** In the plaintext development mode: these tests exercise rounds and crashes, not transport security. */
  CoordinatorProcess(Path dataDir, Path log, int grpcPort, int httpPort) {
    this(dataDir, log, grpcPort, httpPort, false, List.of());
  }

  /** With {@code mutualTls}, as in production: needs {@code cohort pki init} on {@code dataDir} first. */
  CoordinatorProcess(Path dataDir, Path log, int grpcPort, int httpPort, boolean mutualTls) {
    this(dataDir, log, grpcPort, httpPort, mutualTls, List.of());
  }

  /** In the plaintext development mode, with further settings (e.g. the PostgreSQL profile and URL). */
  CoordinatorProcess(Path dataDir, Path log, int grpcPort, int httpPort, List<String> properties) {
    this(dataDir, log, grpcPort, httpPort, false, properties);
  }

  /**
   * @param properties further {@code key=value} settings; a {@code quarkus.profile} among them is
   *     combined with the transport's profile ({@code plaintext-dev} unless {@code mutualTls})
   */
  CoordinatorProcess(Path dataDir, Path log, int grpcPort, int httpPort, boolean mutualTls, List<String> properties) {
    super("coordinator", log);
    this.dataDir = dataDir;
    this.grpcPort = grpcPort;
    this.httpPort = httpPort;
    this.mutualTls = mutualTls;
    this.properties = new java.util.ArrayList<>(properties);
  }

  /** A further {@code key=value} setting for the next start (a restart after tampering, for example). */
  void addProperty(String property) {
    properties.add(property);
  }

  @Override
  protected List<String> command() {
    List<String> profiles = new java.util.ArrayList<>();
    // C1 only, as `cohort simulate` starts its coordinator: about 30 % less CPU to start (issue 23 #8),
    // and these tests' models are small.
    List<String> cmd = new java.util.ArrayList<>(List.of(E2eEnvironment.java(), "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1"));
    for (String p : properties) {
      if (p.startsWith("quarkus.profile=")) {
        profiles.add(p.substring("quarkus.profile=".length()));
      } else {
        cmd.add("-D" + p);
      }
    }
    if (!mutualTls) {
      profiles.add("plaintext-dev");
      if (adminTls != null) {
        // The profile's own values would win over unprofiled ones: override them by their profiled names.
        cmd.add("-D%plaintext-dev.quarkus.http.ssl.certificate.files=" + adminTls.resolve("https.crt"));
        cmd.add("-D%plaintext-dev.quarkus.http.ssl.certificate.key-files=" + adminTls.resolve("https.key"));
        cmd.add("-D%plaintext-dev.quarkus.http.insecure-requests=disabled");
      }
    }
    cmd.add("-Dquarkus.profile=" + (profiles.isEmpty() ? "prod" : String.join(",", profiles)));
    cmd.addAll(List.of(
        "-Dcohort.data-dir=" + dataDir,
        "-Dquarkus.grpc.server.port=" + grpcPort,
        "-Dquarkus.http.port=" + httpPort,
        "-Dquarkus.grpc.server.host=127.0.0.1",
        "-Dquarkus.http.host=127.0.0.1",
        // nodes heartbeat every second, so a silent node counts as gone after about three
        "-Dcohort.heartbeat-interval=1s",
        "-jar", E2eEnvironment.coordinatorJar().toString()));
    return cmd;
  }

  Path dataDir() {
    return dataDir;
  }

  int grpcPort() {
    return grpcPort;
  }

  int httpPort() {
    return httpPort;
  }

  /**
   * Whether the admin API serves HTTPS (issue 21 #5): as in production with mutual TLS, or in the
   * plaintext development profile when a test gives it a certificate ({@link #adminHttps}).
   */
  boolean https() {
    return mutualTls || adminTls != null;
  }

  /** The admin API's base URL: {@code https://} unless the development profile serves plain HTTP. */
  URI baseUri() {
    return URI.create((https() ? "https" : "http") + "://127.0.0.1:" + httpPort);
  }

  /**
   * The plaintext development profile, but the admin API on HTTPS with https.crt and https.key from
   * {@code tls} (ca.crt there is what clients trust): for the dashboard browser test, whose subject is
   * the browser over HTTPS, not the nodes' transport.
   */
  void adminHttps(Path tls) {
    adminTls = tls;
  }

  /** The CA certificate an admin client trusts: the federation's, or the test CA of {@link #adminHttps}. */
  Path adminCa() {
    return adminTls != null ? adminTls.resolve("ca.crt") : dataDir.resolve("pki/ca.crt");
  }

  /** Host:port nodes dial. */
  String grpcAddress() {
    return "127.0.0.1:" + grpcPort;
  }

  /** Waits until the admin API answers with the token from the data directory. */
  AdminClient awaitReady(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    URI base = baseUri();
    Path tokenFile = dataDir.resolve("admin.token");
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!isAlive()) {
        throw new AssertionError("the coordinator exited with code " + exitCode() + " while starting; log tail:\n"
            + logTail(60));
      }
      if (Files.exists(tokenFile)) {
        String token = Files.readString(tokenFile, StandardCharsets.US_ASCII).strip();
        if (!token.isEmpty()) {
          AdminClient client = https() ? AdminClient.https(base, token, adminCa())
              : new AdminClient(base, token);
          try {
            client.nodes();
            admin = client;
            return client;
          } catch (IOException | AdminClient.HttpError e) {
            last = e;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the coordinator did not answer GET /api/v1/nodes within " + timeout.toSeconds()
        + " s (last problem: " + last + "); log tail:\n" + logTail(60));
  }

  /** The admin client of the current start; {@link #awaitReady} must have returned. */
  AdminClient admin() {
    if (admin == null) {
      throw new IllegalStateException("the coordinator has not been started and awaited yet");
    }
    return admin;
  }
}
