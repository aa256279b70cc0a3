package io.cohort.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Calls the coordinator's admin API with a bearer token; turns failures into {@link CliException}s. */
public final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Reads replies into the {@code io.cohort.adminapi} records; a field a newer coordinator adds is ignored. */
  private static final ObjectMapper TYPED = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final HttpClient http;
  private final URI base;
  private final String token;

  public AdminClient(URI base, String token) {
    this(base, token, null);
  }

  /**
   * @param tls for an {@code https://} admin API: the context that checks the server's certificate
   *     (issue 21 #5: against the federation CA, {@link AdminTls}); null for the JDK's defaults
   */
  public AdminClient(URI base, String token, javax.net.ssl.SSLContext tls) {
    this.base = base;
    this.token = token;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = b.build();
  }

  URI base() {
    return base;
  }

  /** Token from the explicit value, else $COHORT_TOKEN, else {@code <dataDir>/admin.token}. */
  public static String resolveToken(String explicit, Path dataDir) throws CliException {
    return resolveToken(explicit, dataDir, null);
  }

  /**
   * Token from the explicit value, else $COHORT_TOKEN, else the config file's {@code token} or
   * {@code token_file}, else {@code <dataDir>/admin.token}.
   */
  public static String resolveToken(String explicit, Path dataDir, CliConfig config) throws CliException {
    if (explicit != null && !explicit.isBlank()) {
      return explicit.strip();
    }
    String env = System.getenv("COHORT_TOKEN");
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    Path f = dataDir.resolve("admin.token");
    if (config != null) {
      String t = config.fileValue("token");
      if (t != null && !t.isBlank()) {
        return t.strip();
      }
      String tf = config.fileValue("token_file");
      if (tf != null) {
        f = Path.of(tf);
      }
    }
    try {
      return Files.readString(f, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new CliException(CliException.UNAUTHORIZED, "no token: pass --token, set COHORT_TOKEN, set token_file in"
          + " the config file, or point --data-dir at the coordinator's data directory (" + f + " is not readable)");
    }
  }

  public JsonNode get(String path) throws CliException {
    return json(send(HttpRequest.newBuilder(base.resolve(path)).GET(), HttpResponse.BodyHandlers.ofString()));
  }

  /** {@code GET path}, read as one of the admin API's records ({@code io.cohort.adminapi}). */
  public <T> T get(String path, Class<T> type) throws CliException {
    return as(get(path), type);
  }

  /** A reply already read as a tree, as one of the admin API's records. */
  public static <T> T as(JsonNode reply, Class<T> type) throws CliException {
    try {
      return TYPED.treeToValue(reply, type);
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException(CliException.FAILED, "the coordinator's reply is not a " + type.getSimpleName() + ": "
          + e.getMessage());
    }
  }

  public JsonNode postYaml(String path, String yaml) throws CliException {
    return json(send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/yaml")
        .POST(HttpRequest.BodyPublishers.ofString(yaml, StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.ofString()));
  }

  public JsonNode postJson(String path, Object body) throws CliException {
    String s;
    try {
      s = JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a request body", e);
    }
    return json(send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(s, StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.ofString()));
  }

  /** A streamed download; the caller closes the body. */
  public record Download(InputStream body, HttpHeaders headers) {}

  public Download download(String path) throws CliException {
    HttpResponse<InputStream> resp = send(HttpRequest.newBuilder(base.resolve(path)).GET(),
        HttpResponse.BodyHandlers.ofInputStream());
    return new Download(resp.body(), resp.headers());
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) throws CliException {
    HttpRequest req = b.header("Authorization", "Bearer " + token).header("Accept", "application/json, */*")
        .timeout(Duration.ofSeconds(60)).build();
    HttpResponse<T> resp;
    try {
      resp = http.send(req, handler);
    } catch (ConnectException | HttpTimeoutException e) {
      throw new CliException(CliException.UNREACHABLE, "cannot reach the coordinator at " + base + " ("
          + e.getClass().getSimpleName() + ")");
    } catch (javax.net.ssl.SSLHandshakeException e) {
      // Issue 21 #5: a certificate from another CA, or one that does not name the host dialled.
      throw new CliException(CliException.INTEGRITY, "refusing the coordinator at " + base + ": its HTTPS certificate"
          + " does not verify against the federation CA or does not name " + base.getHost() + " (" + e.getMessage() + ")");
    } catch (javax.net.ssl.SSLException e) {
      throw new CliException(CliException.UNREACHABLE, "no TLS from the coordinator at " + base + " (" + e.getMessage()
          + "); if it runs the plaintext-dev profile, use http://");
    } catch (IOException e) {
      throw new CliException(CliException.UNREACHABLE, "cannot reach the coordinator at " + base + ": " + e.getMessage()
          + ("http".equalsIgnoreCase(base.getScheme()) ? " (the admin API serves HTTPS unless the coordinator runs the"
              + " plaintext-dev profile: use https://)" : ""));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILED, "interrupted");
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--coordinator " + base + " is not a usable URL: " + e.getMessage());
    }
    int code = resp.statusCode();
    if (code >= 200 && code < 300) {
      return resp;
    }
    String text;
    if (resp.body() instanceof InputStream in) {
      try (in) {
        text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      } catch (IOException e) {
        text = "";
      }
    } else {
      text = String.valueOf(resp.body());
    }
    String msg;
    try {
      msg = JSON.readTree(text).path("error").asText("HTTP " + code);
    } catch (IOException e) {
      msg = "HTTP " + code;
    }
    switch (code) {
      case 401 -> throw new CliException(CliException.UNAUTHORIZED, msg);
      case 403 -> throw new CliException(CliException.FORBIDDEN, msg);
      case 400, 404, 409 -> throw new CliException(CliException.USAGE, msg);
      default -> throw new CliException(CliException.FAILED, msg);
    }
  }

  private static JsonNode json(HttpResponse<String> resp) throws CliException {
    try {
      return resp.body().isEmpty() ? JSON.nullNode() : JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new CliException(CliException.FAILED, "the coordinator answered " + resp.statusCode()
          + " with a body that is not JSON");
    }
  }
}
