package io.cohort.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The coordinator's admin REST API, as the tests use it: bearer token, JSON answers. */
final class AdminClient {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A non-2xx answer. */
  static final class HttpError extends RuntimeException {
    final int status;
    final String body;

    HttpError(String request, int status, String body) {
      super(request + " answered HTTP " + status + ": " + body);
      this.status = status;
      this.body = body;
    }
  }

  private final HttpClient http;
  private final URI base;
  private final String token;

  AdminClient(URI base, String token) {
    this(base, token, null);
  }

  /** With {@code tls}: an {@code https://} admin API checked against the context's CA (issue 21 #5). */
  AdminClient(URI base, String token, javax.net.ssl.SSLContext tls) {
    this.base = base;
    this.token = token;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = b.build();
  }

  /** An {@code https://} client that trusts exactly the federation CA certificate in {@code caCert}. */
  static AdminClient https(URI base, String token, java.nio.file.Path caCert) {
    return new AdminClient(base, token, trusting(caCert));
  }

  /** A TLS context that trusts exactly the CA certificate in {@code caCert} (PEM). */
  static javax.net.ssl.SSLContext trusting(java.nio.file.Path caCert) {
    try {
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, io.cohort.crypto.pki.TlsMaterial.trusting(
          io.cohort.crypto.pki.Pem.readCertificates(caCert).get(0)), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException("cannot trust " + caCert + ": " + e.getMessage(), e);
    }
  }

  /** The base URL, e.g. to hand the CLI. */
  URI base() {
    return base;
  }

  /** GET /api/v1/nodes: [{node_id, connected, ...}]. */
  JsonNode nodes() throws IOException, InterruptedException {
    return get("/api/v1/nodes");
  }

  /** GET /api/v1/jobs/{id}: {job: {...}, nodes: [...], rounds: [...]}. */
  JsonNode job(String jobId) throws IOException, InterruptedException {
    return get("/api/v1/jobs/" + jobId);
  }

  /** POST /api/v1/jobs with a YAML job file; returns the new job's id. */
  String submit(String yaml, String source) throws IOException, InterruptedException {
    JsonNode created = send(HttpRequest.newBuilder(base.resolve("/api/v1/jobs?source="
            + URLEncoder.encode(source, StandardCharsets.UTF_8)))
        .header("Content-Type", "application/yaml")
        .POST(HttpRequest.BodyPublishers.ofString(yaml, StandardCharsets.UTF_8)), 201, "POST /api/v1/jobs");
    String id = created.path("job_id").asText("");
    if (id.isEmpty()) {
      throw new AssertionError("POST /api/v1/jobs answered without a job_id: " + created);
    }
    return id;
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET(), 200, "GET " + path);
  }

  /** GET {@code path} as raw bytes (any content type), e.g. an exported model. */
  byte[] getBytes(String path) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(base.resolve(path)).GET().header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(30)).build();
    HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    if (resp.statusCode() != 200) {
      throw new HttpError("GET " + path, resp.statusCode(), new String(resp.body(), StandardCharsets.UTF_8));
    }
    return resp.body();
  }

  private JsonNode send(HttpRequest.Builder b, int expected, String what) throws IOException, InterruptedException {
    HttpRequest req = b.header("Authorization", "Bearer " + token)
        .header("Accept", "application/json")
        .timeout(Duration.ofSeconds(20))
        .build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != expected) {
      throw new HttpError(what, resp.statusCode(), resp.body());
    }
    return resp.body().isEmpty() ? JSON.nullNode() : JSON.readTree(resp.body());
  }
}
