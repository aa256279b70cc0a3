package io.cohort.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Calls the coordinator's admin API with a bearer token; turns failures into {@link CliException}s. */
final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;
  private final String token;

  AdminClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  /** Token from the explicit value, else $COHORT_TOKEN, else {@code <dataDir>/admin.token}. */
  static String resolveToken(String explicit, Path dataDir) throws CliException {
    if (explicit != null && !explicit.isBlank()) {
      return explicit.strip();
    }
    String env = System.getenv("COHORT_TOKEN");
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    Path f = dataDir.resolve("admin.token");
    try {
      return Files.readString(f, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new CliException(CliException.UNAUTHORIZED, "no admin token: pass --token, set COHORT_TOKEN, or point"
          + " --data-dir at the coordinator's data directory (" + f + " is not readable)");
    }
  }

  JsonNode get(String path) throws CliException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  JsonNode postYaml(String path, String yaml) throws CliException {
    return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/yaml")
        .POST(HttpRequest.BodyPublishers.ofString(yaml, StandardCharsets.UTF_8)));
  }

  private JsonNode send(HttpRequest.Builder b) throws CliException {
    HttpRequest req = b.header("Authorization", "Bearer " + token).header("Accept", "application/json")
        .timeout(Duration.ofSeconds(30)).build();
    HttpResponse<String> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpTimeoutException e) {
      throw new CliException(CliException.UNREACHABLE, "cannot reach the coordinator at " + base + " (" + e.getClass().getSimpleName() + ")");
    } catch (IOException e) {
      throw new CliException(CliException.UNREACHABLE, "cannot reach the coordinator at " + base + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILED, "interrupted");
    }
    JsonNode body;
    try {
      body = resp.body().isEmpty() ? JSON.nullNode() : JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new CliException(CliException.FAILED, "the coordinator answered " + resp.statusCode() + " with a body that is not JSON");
    }
    int code = resp.statusCode();
    if (code >= 200 && code < 300) {
      return body;
    }
    String msg = body.path("error").asText("HTTP " + code);
    if (code == 401 || code == 403) {
      throw new CliException(CliException.UNAUTHORIZED, msg);
    }
    throw new CliException(code == 400 || code == 404 ? CliException.USAGE : CliException.FAILED, msg);
  }
}
