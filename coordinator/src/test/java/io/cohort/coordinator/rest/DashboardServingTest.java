package io.cohort.coordinator.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.auth.Role;
import io.cohort.coordinator.auth.TokenStore;
import io.cohort.coordinator.job.JobFiles;
import io.cohort.coordinator.store.JobStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's static files, its chart library from the webjar and its two read-only endpoints
 * (session, job spec), through the real HTTP server: the shell needs no token but holds no data;
 * the endpoints need one.
 */
@QuarkusTest
class DashboardServingTest {
  @TestHTTPResource("/") URI base;
  @Inject TokenStore tokens;
  @Inject JobStore store;
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shellAndChartLibraryAreServedWithoutATokenAndHoldNoData() throws Exception {
    HttpResponse<String> shell = get("dashboard/", null);
    assertThat(shell.statusCode()).isEqualTo(200);
    assertThat(shell.body()).contains("id=\"login-form\"").contains("<label for=\"token\">");
    HttpResponse<String> uplot = get("webjars/uplot/dist/uPlot.esm.js", null);
    assertThat(uplot.statusCode()).as("uPlot from its webjar, versionless path").isEqualTo(200);
    assertThat(uplot.body()).contains("export");
    assertThat(get("dashboard/js/app.js", null).statusCode()).isEqualTo(200);
  }

  /**
   * Issue 22 finding #10: the sign-in page showed "Sign out": the header's {@code .who} block is
   * {@code hidden} until sign-in, but its {@code display: flex} rule beat the attribute. The
   * stylesheet now makes {@code [hidden]} win (the browser test, DashboardBrowserTest, shows the page).
   */
  @Test
  void hiddenBeatsTheStylesheetsDisplayRules_soSignOutIsHiddenBeforeSignIn() throws Exception {
    HttpResponse<String> shell = get("dashboard/", null);
    assertThat(shell.body()).containsPattern("<div id=\"who\" class=\"who\" hidden>\\s*<span id=\"who-text\"></span>"
        + "\\s*<button type=\"button\" id=\"logout\"");
    HttpResponse<String> css = get("dashboard/dashboard.css", null);
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.body()).contains("[hidden] { display: none !important; }").contains(".who {");
  }

  /** Issue 22 finding #10: browsers ask for /favicon.ico on every page; it was a 404. */
  @Test
  void faviconIsServed() throws Exception {
    HttpResponse<byte[]> icon = http.send(HttpRequest.newBuilder(base.resolve("favicon.ico")).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(icon.statusCode()).isEqualTo(200);
    assertThat(icon.body()).startsWith((byte) 0, (byte) 0, (byte) 1, (byte) 0); // ICO header: reserved 0, type 1 (icon)
  }

  @Test
  void sessionTellsTheTokensRoleAndNeedsAToken() throws Exception {
    String secret = tokens.create(Role.AUDITOR, "dpo-" + UUID.randomUUID().toString().substring(0, 8), "test").secret();
    assertThat(get("api/v1/session", null).statusCode()).isEqualTo(401);
    HttpResponse<String> s = get("api/v1/session", secret);
    assertThat(s.statusCode()).isEqualTo(200);
    assertThat(s.body()).contains("\"role\":\"auditor\"").doesNotContain(secret);
  }

  @Test
  void jobSpecIsReadableByAnAuditorAndUnknownJobsAre404() throws Exception {
    String secret = tokens.create(Role.AUDITOR, "dpo-" + UUID.randomUUID().toString().substring(0, 8), "test").secret();
    String jobId = "job-spec-" + UUID.randomUUID().toString().substring(0, 8);
    store.createJob(JobFiles.parse(Files.readString(Path.of("../examples/credit/job.yaml")), "job.yaml", jobId),
        Instant.now());
    assertThat(get("api/v1/job-specs/" + jobId, null).statusCode()).isEqualTo(401);
    HttpResponse<String> spec = get("api/v1/job-specs/" + jobId, secret);
    assertThat(spec.statusCode()).isEqualTo(200);
    assertThat(spec.body()).contains("\"job_id\": \"" + jobId + "\"").contains("credit-risk");
    assertThat(get("api/v1/job-specs/no-such-job", secret).statusCode()).isEqualTo(404);
  }
}
