package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Verification;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real headless Chromium against a real coordinator with a finished
 * differentially private job (the shipped {@code examples/credit/job-dp.yaml}, three rounds, secure
 * aggregation on) run by three node processes: two train with DP-SGD under the budgets their
 * node.yaml declares, one declines. Checks issue #8's acceptance: without a token only the sign-in
 * form shows; the overview shows the ε each node's own signed ledger file says, against the budget
 * the node declared, and every number equals the API's; the ledger view shows each entry's
 * mechanism parameters and its verified signature; an auditor reaches no mutating action (the
 * admin does); a tampered audit row shows as a failed verification; pages update live while a job
 * runs, fit a tablet, and their main text colours reach WCAG AA contrast. {@code cohort-node ledger}
 * lists the node's uploads with the same spend. Saves a screenshot of each page to
 * {@code docs/img/} ({@code -Dcohort.e2e.screenshots=DIR}).
 */
class DashboardBrowserTest {
  /** A training node and the ε budget its node.yaml declares for dataset credit (the job spends ε 8). */
  record Budgeted(String nodeId, double budget) {}

  static final List<Budgeted> TRAINERS = List.of(new Budgeted("bank-a", 12.0), new Budgeted("bank-b", 9.0));
  static final double DELTA = 1e-5;
  static final int ROUNDS = 3;
  /** A training node's ledger entries for the job: DP-SGD and evaluation each round, and the statistics once. */
  static final int ENTRIES = 2 * ROUNDS + 1;
  /** Canaries per node of the audited job (the credit MLP of job-dp.yaml has 1026 trainable parameters). */
  static final int AUDIT_CANARIES = 500;
  /** The only buttons a read-only user may see: none of them changes anything. */
  static final Set<String> READ_ONLY_BUTTONS = Set.of("logout", "verify-chain", "audit-refresh");

  @RegisterExtension final Federation fed = new Federation();
  private HttpClient http;
  /** The pin of the coordinator's HTTPS key for Chromium (issue 21 #5: the dashboard over HTTPS). */
  private String spkiPin;

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    DashboardBrowser.assumeInstalled();
    fed.workIn(dir);
    spkiPin = fed.adminHttps();
    http = HttpClient.newBuilder().sslContext(AdminClient.trusting(dir.resolve("admin-tls/ca.crt"))).build();
  }

  private URI base() {
    return fed.coordinator().baseUri();
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void auditorSeesTheApisNumbersAndNoMutatingActionAndTamperingFailsVerification() throws Exception {
    fed.startCoordinator();
    int port = fed.coordinator().httpPort();
    String adminToken = Files.readString(fed.coordinator().dataDir().resolve("admin.token"), StandardCharsets.US_ASCII).strip();
    CreditData data = CreditData.load();
    List<CreditData.Shard> shards = data.shards(2, fed.random());
    Map<String, Path> configs = new java.util.HashMap<>();
    for (int i = 0; i < TRAINERS.size(); i++) {
      Budgeted t = TRAINERS.get(i);
      configs.put(t.nodeId(), withBudget(fed.writeNodeConfig(t.nodeId(),
          List.of(fed.writeShard("credit", t.nodeId(), data, shards.get(i)))), t.budget()));
      fed.startNode(t.nodeId(), configs.get(t.nodeId()));
    }
    // bank-c offers a different dataset, so it declines the credit job with a reason.
    fed.startNode("bank-c", fed.writeNodeConfig("bank-c", List.of(fed.writeShard("claims", "bank-c", data, shards.get(0)))));
    fed.awaitConnected(Duration.ofSeconds(120), "bank-a", "bank-b", "bank-c");

    try (DashboardBrowser b = new DashboardBrowser(base(), spkiPin, screenshotDir())) {
      // ---- live: the admin watches the job run, without reloading -------------------------
      b.open(null);
      assertThat(b.js("return location.protocol + ' ' + window.isSecureContext;")).as("the dashboard over HTTPS")
          .isEqualTo("https: true");
      b.signIn(adminToken);
      // Audited (issue 20): each training node reports a one-run audit bound beside its accounted ε.
      String jobId = fed.submit(withFederatedStatistics(dpJob(Map.of("rounds", ROUNDS, "min_nodes", 2,
          "seed", fed.seed()))) + "  audit:\n    canaries: " + AUDIT_CANARIES + "\n");
      b.go("/jobs/" + jobId);
      b.waitVisible(By.id("job-summary"));
      String firstState = b.text("#job-summary [data-field=state]");
      assertThat(firstState).as("the job page opened while the job ran (else live updates cannot be observed)")
          .isIn("OFFERED", "RUNNING");
      assertThat(b.findAll("#cancel-job")).as("an admin sees Cancel on a running job").hasSize(1);
      b.js("window.__sameDocument = true;");
      Set<String> seen = new LinkedHashSet<>();
      b.waitUntil("the job page shows COMPLETED by itself", Duration.ofSeconds(150), d -> {
        List<WebElement> st = b.findAll("#job-summary [data-field=state]");
        List<WebElement> rc = b.findAll("#job-summary [data-field=rounds_completed]");
        if (st.isEmpty() || rc.isEmpty()) {
          return false;
        }
        try {
          seen.add(st.get(0).getText() + " " + rc.get(0).getText());
          return st.get(0).getText().equals("COMPLETED");
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
          return false; // re-rendered between the two reads
        }
      });
      fed.event("job page states seen: " + seen);
      assertThat(b.js("return window.__sameDocument === true;")).as("updated by polling, not by a page load").isEqualTo(true);
      assertThat(seen).as("the page showed the job's progress as it happened").hasSizeGreaterThanOrEqualTo(2);
      JsonNode end = fed.awaitEnd(jobId, Duration.ofSeconds(30));
      assertThat(Federation.state(end)).isEqualTo("COMPLETED");
      assertThat(b.findAll("#cancel-job")).as("no Cancel on a finished job").isEmpty();

      String auditorToken = createToken(port, adminToken, "auditor", "dpo");
      long tamperedSeq = auditSeq(port, adminToken, jobId, "job.submitted");

      // ---- the chain verifies before anyone touches it ------------------------------------
      b.find("#logout").click();
      b.signIn(auditorToken);
      b.go("/audit");
      b.waitVisible(By.id("verify-chain")).click();
      b.waitUntil("verification result", Duration.ofSeconds(20),
          d -> "true".equals(b.attr("#verify-result", "data-ok")));
      b.screenshot("dashboard-audit-verified");

      // ---- what each training node's own signed ledger says, and what left it ----------
      Map<String, List<VerifiedLedgerEntry>> ledgers = new java.util.HashMap<>();
      for (Budgeted t : TRAINERS) {
        ledgers.put(t.nodeId(), nodeLedger(configs.get(t.nodeId()), t.nodeId()));
        // Issue 19 #3: a DP-SGD entry and a noised evaluation's charge per round; issue 23 #2: the noised
        // feature statistics' charge once, first (round 0).
        assertThat(ledgers.get(t.nodeId())).as("%s's ledger: two entries per round and the statistics'", t.nodeId())
            .hasSize(ENTRIES);
        assertThat(ledgers.get(t.nodeId()).get(0).spend().mechanism()).isEqualTo("gaussian-statistics");
        assertThat(ledgers.get(t.nodeId()).get(0).spend().round()).isZero();
        assertThat(ledgers.get(t.nodeId())).filteredOn(e -> e.spend().mechanism().equals("gaussian-evaluation"))
            .as("%s's evaluation charges", t.nodeId()).hasSize(ROUNDS)
            .allSatisfy(e -> assertThat(e.spend().unit()).isEqualTo("record"));
      }
      checkNodeLedgerCommand(configs.get("bank-b"), jobId, ledgers.get("bank-b"));
      // Issue 23 #2: the job's statistics are marked noised, with the epsilon each node's first entry spent.
      JsonNode statistics = fed.admin().get("/api/v1/jobs/" + jobId + "/statistics");
      assertThat(statistics.path("noise").path("noised").asBoolean()).as(statistics.toString()).isTrue();
      assertThat(statistics.path("noise").path("epsilon").asDouble())
          .isCloseTo(ledgers.get("bank-b").get(0).epsilonAfter(), org.assertj.core.api.Assertions.within(1e-6));

      // ---- an audit row is edited in the stopped coordinator's database -------------------
      fed.killCoordinator();
      LedgerFixture.tamper(fed.coordinator().dataDir(), tamperedSeq, fed.dir().resolve("logs/ledger-fixture.log"));
      // Issue 22 #7: the coordinator refuses to start on a broken chain (AuditWitnessE2eTest) unless the
      // operator accepts it once, explicitly and audited, which is how an auditor gets to see it here.
      fed.coordinator().addProperty("cohort.audit.allow-broken-chain=true");
      AdminClient admin = fed.restartCoordinator();
      fed.awaitConnected(Duration.ofSeconds(60), "bank-a", "bank-b", "bank-c");
      // A second job that cannot start (it needs 9 nodes): it stays open, so Cancel would apply.
      // Its offer window (one round timeout) outlasts the test: a window that closes short of
      // min_nodes fails the job, and this one must stay OFFERED.
      String waitingJob = fed.submit(dpJob(Map.of("rounds", 1, "min_nodes", 9, "round_timeout_seconds", 3600,
          "seed", fed.seed())));

      // ---- no token: the shell loads, but only the sign-in form, and the API refuses ------
      b.js("sessionStorage.clear();");
      b.open("/ledger?node=bank-b&dataset=credit");
      b.waitVisible(By.id("login-form"));
      assertThat(b.find("#view").isDisplayed()).as("no page without a token").isFalse();
      assertThat(b.js("return document.getElementById('view').innerHTML;")).as("nothing rendered without a token").isEqualTo("");
      assertThat(b.find("#nav").isDisplayed()).isFalse();
      String bankBEpsilon = toFixed(last(ledgers.get("bank-b")).epsilonAfter(), 4);
      assertThat(b.text("body")).doesNotContain("bank-b").doesNotContain(bankBEpsilon).doesNotContain(jobId);
      assertThat(status(port, "/api/v1/privacy", null)).as("GET /api/v1/privacy without a token").isEqualTo(401);
      assertThat(status(port, "/dashboard/", null)).as("the static shell itself").isEqualTo(200);
      b.screenshot("dashboard-login");
      b.find("#token").sendKeys("cht_not-a-token");
      b.find("#login-form button[type=submit]").click();
      b.waitUntil("a refused token says so", Duration.ofSeconds(10), d -> !b.text("#login-error").isEmpty());
      assertThat(b.find("#nav").isDisplayed()).as("a wrong token shows no data").isFalse();

      // ---- privacy overview: the ε each node's ledger says, as the API says it ------------
      b.signIn(auditorToken);
      // Issue 22 #2: each trainer reports with its heartbeats what it still reserves; once the jobs
      // ended and their reservations were released, every report says 0.
      await("trainers report nothing reserved").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode p = admin.get("/api/v1/privacy");
            for (Budgeted t : TRAINERS) {
              JsonNode s = find(p.path("spend"), t.nodeId(), "credit");
              if (!s.has("reserved_epsilon") || s.path("reserved_epsilon").asDouble() != 0) {
                return false;
              }
            }
            return true;
          });
      b.go("/privacy");
      b.waitVisible(By.id("privacy-table"));
      JsonNode privacy = admin.get("/api/v1/privacy");
      assertThat(b.findAll("#privacy-table tbody tr")).hasSize(privacy.path("spend").size()).hasSize(TRAINERS.size());
      for (Budgeted t : TRAINERS) {
        JsonNode spend = find(privacy.path("spend"), t.nodeId(), "credit");
        double ledgerSays = last(ledgers.get(t.nodeId())).epsilonAfter();
        double lastEntry = lastEntry(privacy.path("entries"), t.nodeId(), "credit").path("epsilon_after").asDouble();
        assertThat(spend.path("epsilon_spent").asDouble()).as("API ε of %s", t.nodeId()).isEqualTo(ledgerSays)
            .isEqualTo(lastEntry);
        assertThat(spend.path("budget_epsilon").asDouble()).as("the budget %s declared", t.nodeId())
            .isEqualTo(t.budget());
        assertThat(spend.path("budget_delta").asDouble()).isEqualTo(DELTA);
        assertThat(spend.path("delta").asDouble()).as("the ledger's δ").isEqualTo(DELTA);
        String row = "#privacy-table tr[data-node='" + t.nodeId() + "'][data-dataset='credit'] ";
        assertShown(b, row + "[data-field=epsilon_spent]", spend.path("epsilon_spent").asDouble(), 4);
        assertShown(b, row + "[data-field=budget_epsilon]", spend.path("budget_epsilon").asDouble(), 4);
        assertShown(b, row + "[data-field=remaining_epsilon]", spend.path("remaining_epsilon").asDouble(), 4);
        // Issue 22 #2: reserved beside spent, as the node reported it (nothing left reserved once the job ended).
        assertThat(spend.has("reserved_epsilon")).as("%s reported its reservations: %s", t.nodeId(), spend).isTrue();
        assertThat(spend.path("reserved_epsilon").asDouble()).isZero();
        assertShown(b, row + "[data-field=reserved_epsilon]", spend.path("reserved_epsilon").asDouble(), 4);
        assertThat(spend.path("remaining_epsilon").asDouble()).isEqualTo(t.budget() - ledgerSays);
        assertThat(Double.parseDouble(b.attr(row + "[data-field=delta]", "data-value")))
            .isEqualTo(spend.path("delta").asDouble());
        assertThat(b.text(row + "[data-field=entries]")).isEqualTo(spend.path("entries").asText()).isEqualTo("" + ENTRIES);
        boolean over = ledgerSays / t.budget() > 0.8;
        assertThat(b.attr(row.strip(), "class")).as("row of %s flagged above 80 %%", t.nodeId())
            .satisfies(c -> assertThat(c != null && c.contains("over")).isEqualTo(over));
        assertThat(b.findAll(row + "[data-field=warning]")).hasSize(over ? 1 : 0);
      }
      assertThat(b.findAll("#privacy-table tr.over")).as("bank-b (ε 8 of 9) is flagged, bank-a (8 of 12) is not")
          .hasSize(1);
      assertContrast(b, "/privacy");
      b.screenshot("dashboard-privacy");
      checkTablet(b, "dashboard-privacy-tablet");

      // ---- click through to a ledger: parameters and signatures of the node's signed lines -
      b.find("#privacy-table tr[data-node='bank-b'] th a").click();
      b.waitVisible(By.id("ledger-table"));
      JsonNode entries = admin.get("/api/v1/privacy?node=bank-b&dataset=credit").path("entries");
      assertThat(b.findAll("#ledger-table tbody tr")).hasSize(entries.size()).hasSize(ENTRIES);
      for (JsonNode e : entries) {
        String row = "#ledger-table tr[data-seq='" + e.path("entry_seq").asLong() + "'] ";
        VerifiedLedgerEntry signed = ledgers.get("bank-b").get((int) e.path("entry_seq").asLong() - 1);
        assertThat(e.path("epsilon_after").asDouble()).isEqualTo(signed.epsilonAfter());
        assertThat(e.path("noise_multiplier").asDouble()).isEqualTo(signed.spend().segment().noiseMultiplier());
        assertThat(e.path("signature_verified").asBoolean()).as("API signature status of entry %s", e.path("entry_seq"))
            .isTrue();
        assertShown(b, row + "[data-field=epsilon_after]", e.path("epsilon_after").asDouble(), 4);
        assertShown(b, row + "[data-field=q]", e.path("sampling_rate").asDouble(), 4);
        assertShown(b, row + "[data-field=sigma]", e.path("noise_multiplier").asDouble(), 3);
        assertShown(b, row + "[data-field=clip]", e.path("clip_norm").asDouble(), 3);
        assertThat(b.attr(row + "[data-field=steps]", "data-value")).isEqualTo(e.path("steps").asText());
        assertThat(b.text(row + "[data-field=signature]")).isEqualTo("✓ verified");
        // Issue 19: the unit beside epsilon, and what spent it, with its charge.
        assertThat(e.path("unit").asText()).isEqualTo(signed.spend().unit()).isEqualTo("record");
        assertThat(b.text(row + "[data-field=unit]")).isEqualTo("record");
        assertThat(b.text(row + "[data-field=kind]")).isEqualTo(switch (e.path("mechanism").asText()) {
          case "gaussian-evaluation" -> "evaluation";
          case "gaussian-statistics" -> "feature statistics";
          default -> "training";
        });
        long seq = e.path("entry_seq").asLong();
        double before = seq > 1 ? ledgers.get("bank-b").get((int) seq - 2).epsilonAfter() : 0;
        assertShown(b, row + "[data-field=epsilon_charge]", signed.epsilonAfter() - before, 4);
      }
      b.waitVisible(By.cssSelector("#ledger-chart canvas"));
      assertContrast(b, "/ledger");
      b.screenshot("dashboard-ledger");

      // ---- jobs and rounds ----------------------------------------------------------------
      b.go("/jobs");
      b.waitVisible(By.id("jobs-table"));
      for (JsonNode j : admin.get("/api/v1/jobs")) {
        String row = "#jobs-table tr[data-job='" + j.path("job_id").asText() + "'] ";
        assertThat(b.text(row + "[data-field=state]")).isEqualTo(j.path("state").asText());
        assertThat(b.text(row + "[data-field=rounds_completed]")).isEqualTo(j.path("rounds_completed").asText());
      }
      b.screenshot("dashboard-jobs");
      b.go("/jobs/" + jobId);
      b.waitVisible(By.id("rounds-table"));
      JsonNode metrics = admin.get("/api/v1/jobs/" + jobId + "/metrics");
      assertThat(b.findAll("#rounds-table tbody tr")).hasSize(metrics.size()).hasSize(ROUNDS);
      for (JsonNode m : metrics) {
        String row = "#rounds-table tr[data-round='" + m.path("round").asInt() + "'] ";
        for (String f : List.of("loss", "accuracy", "roc_auc")) {
          assertShownOrDash(b, row + "[data-field=" + f + "]", m.path(f), 4);
        }
        for (String f : List.of("participants", "contributors", "num_examples", "duration_ms")) {
          assertThat(b.attr(row + "[data-field=" + f + "]", "data-value")).as("round %s %s", m.path("round"), f)
              .isEqualTo(m.path(f).asText());
        }
      }
      assertThat(b.findAll("#chart-quality canvas, #chart-loss canvas")).hasSizeGreaterThanOrEqualTo(2);
      checkNodeMetricsAndCurves(b, admin.job(jobId), admin.get("/api/v1/jobs/" + jobId + "/curves"));
      JsonNode declined = Federation.decision(admin.job(jobId), "bank-c");
      assertThat(declined.path("accepted").asBoolean()).isFalse();
      assertThat(b.text("#decisions-table tr[data-node='bank-c']")).contains(declined.path("reason").asText());
      assertThat(b.text("#job-spec")).contains("credit-risk");
      checkAuditTable(b, admin.job(jobId).path("audits"));
      // The signed provenance manifest is the API's: same signer key, job and completed rounds.
      JsonNode manifest = AdminClient.JSON.readTree(admin.get("/api/v1/jobs/" + jobId + "/manifest").path("manifest").asText());
      assertThat(b.text("#manifest-signer")).isEqualTo(manifest.path("signer").path("fingerprint").asText()).isNotBlank();
      assertThat(b.text("#job-manifest")).contains(jobId)
          .contains("\"rounds_completed\": " + manifest.path("rounds_completed").asInt());
      b.screenshot("dashboard-job");

      // ---- nodes --------------------------------------------------------------------------
      fed.awaitJob(waitingJob, Duration.ofSeconds(60), "every node answered the waiting job's offer",
          j -> j.path("nodes").size() == 3);
      b.go("/nodes");
      b.waitVisible(By.id("nodes-table"));
      for (JsonNode n : admin.nodes()) {
        String id = n.path("node_id").asText();
        JsonNode status = admin.get("/api/v1/nodes/" + id);
        String row = "#nodes-table tr[data-node='" + id + "'] ";
        assertThat(b.attr(row + "[data-field=connected]", "data-value")).as("%s connected", id)
            .isEqualTo(n.path("connected").asText());
        assertThat(b.text(row + "[data-field=software_version]")).isEqualTo(n.path("software_version").asText());
        List<String> datasets = new ArrayList<>();
        n.path("datasets").forEach(x -> datasets.add(x.asText()));
        assertThat(b.text(row + "[data-field=datasets]")).isEqualTo(String.join(", ", datasets));
        List<String> reasons = new ArrayList<>();
        status.path("jobs").forEach(d -> {
          if (!d.path("accepted").asBoolean()) {
            reasons.add(d.path("reason").asText());
          }
        });
        assertThat(b.attr(row + "[data-field=declines]", "data-value")).isEqualTo(Integer.toString(reasons.size()));
        for (String r : reasons) {
          assertThat(b.text(row + "[data-field=declines]")).contains(r);
        }
      }
      assertThat(b.attr("#nodes-table tr[data-node='bank-c'] [data-field=declines]", "data-value"))
          .isNotEqualTo("0");
      b.screenshot("dashboard-nodes");
      checkTablet(b, "dashboard-nodes-tablet");

      // ---- an auditor reaches no mutating action, even on a job that could be cancelled ---
      for (String route : List.of("/privacy", "/ledger?node=bank-a&dataset=credit", "/jobs", "/jobs/" + jobId,
          "/jobs/" + waitingJob, "/nodes", "/audit")) {
        b.go(route);
        b.waitUntil("page " + route + " rendered", Duration.ofSeconds(20),
            d -> !b.findAll("#view h1").isEmpty() && b.findAll("#view .error").isEmpty());
        assertThat(b.findAll("[data-mutating]")).as("mutating controls on %s for an auditor", route).isEmpty();
        Object buttons = b.js("return [...document.querySelectorAll('button, input[type=submit], [role=button]')]"
            + ".filter(e => e.offsetParent !== null).map(e => e.id + ': ' + e.innerText);");
        assertThat((List<?>) buttons).as("buttons on %s for an auditor", route)
            .allSatisfy(x -> assertThat(String.valueOf(x).split(":")[0]).isIn(READ_ONLY_BUTTONS));
      }
      Object refused = b.asyncJs("const done = arguments[arguments.length - 1];"
          + "fetch('/api/v1/jobs/' + arguments[0] + '/cancel', {method: 'POST', headers: {Authorization: 'Bearer '"
          + " + sessionStorage.getItem('cohort.token')}}).then(r => done(r.status), e => done(String(e)));", waitingJob);
      assertThat(refused).as("the API refuses a cancel with the auditor's token").isEqualTo(403L);
      assertThat(Federation.state(admin.job(waitingJob))).isEqualTo("OFFERED");

      // ---- the tampered row fails verification, named ------------------------------------
      b.go("/audit");
      b.waitVisible(By.id("verify-chain")).click();
      b.waitUntil("verification result", Duration.ofSeconds(20),
          d -> "false".equals(b.attr("#verify-result", "data-ok")));
      JsonNode verify = admin.get("/api/v1/audit/verify");
      assertThat(verify.path("ok").asBoolean()).isFalse();
      assertThat(verify.path("first_bad_seq").asLong()).isEqualTo(tamperedSeq);
      assertThat(b.attr("#verify-result", "data-first-bad-seq")).isEqualTo(Long.toString(tamperedSeq));
      assertThat(b.text("#verify-result")).contains("FAILED").contains("#" + tamperedSeq);
      WebElement search = b.find("#audit-search");
      search.sendKeys("ledger.entry_received");
      int received = admin.get("/api/v1/privacy").path("entries").size();
      assertThat(b.text("#audit-count")).startsWith(received + " of ");
      assertContrast(b, "/audit");
      b.screenshot("dashboard-audit");
      search.clear();
      search.sendKeys(Keys.ESCAPE);

      // ---- keyboard: from the page heading, Shift+Tab reaches the navigation; Enter follows a link
      b.js("document.querySelector('#view h1').focus();");
      WebElement jobsLink = b.find("#nav a[data-section=jobs]");
      boolean reached = false;
      for (int i = 0; i < 10 && !reached; i++) {
        b.driver().switchTo().activeElement().sendKeys(Keys.chord(Keys.SHIFT, Keys.TAB));
        reached = jobsLink.equals(b.driver().switchTo().activeElement());
      }
      assertThat(reached).as("the Jobs link is reachable with Tab").isTrue();
      b.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
      b.waitVisible(By.id("jobs-table"));

      // ---- the admin, by contrast, can cancel the waiting job from its page --------------
      b.find("#logout").click();
      b.signIn(adminToken);
      b.go("/jobs/" + waitingJob);
      b.waitVisible(By.id("cancel-job")).click();
      b.driver().switchTo().alert().accept();
      b.waitUntil("the job page shows CANCELLED", Duration.ofSeconds(20),
          d -> "CANCELLED".equals(b.text("#job-summary [data-field=state]")));
      assertThat(Federation.state(admin.job(waitingJob))).isEqualTo("CANCELLED");
    }
  }

  /** Adds the dataset's privacy budget to the node.yaml the federation wrote (its only dataset). */
  private static Path withBudget(Path yaml, double epsilon) throws IOException {
    String y = Files.readString(yaml, StandardCharsets.UTF_8);
    assertThat(y).containsOnlyOnce("    format: csv\n");
    return Files.writeString(yaml, y.replace("    format: csv\n", "    format: csv\n    epsilon_budget: " + epsilon
        + "\n    delta: " + DELTA + "\n"), StandardCharsets.UTF_8);
  }

  /** The shipped private job, {@code examples/credit/job-dp.yaml}, with some top-level settings replaced. */
  /**
   * The job page's privacy-audit table is the API's: one row per training node, the audited lower
   * bound and the accounted ε as reported, each bound at or below its accounted ε ("ok"), and the
   * canary and guess counts the job asked for.
   */
  private static void checkAuditTable(DashboardBrowser b, JsonNode audits) {
    assertThat(audits).as("API audits of the audited job").hasSize(TRAINERS.size());
    assertThat(b.findAll("#audit-table tbody tr")).as("audit rows on the job page").hasSize(audits.size());
    for (JsonNode a : audits) {
      String row = "#audit-table tr[data-node='" + a.path("node_id").asText() + "'] ";
      assertThat(a.path("canaries").asInt()).isEqualTo(AUDIT_CANARIES);
      assertThat(a.path("epsilon_lower_bound").asDouble()).as("audited bound of %s", a.path("node_id"))
          .isLessThanOrEqualTo(a.path("accounted_epsilon").asDouble());
      assertShown(b, row + "[data-field=epsilon_lower_bound]", a.path("epsilon_lower_bound").asDouble(), 4);
      assertShown(b, row + "[data-field=accounted_epsilon]", a.path("accounted_epsilon").asDouble(), 4);
      assertThat(b.attr(row + "[data-field=round]", "data-value")).isEqualTo(a.path("round").asText());
      assertThat(b.text(row + "[data-field=correct]"))
          .isEqualTo(a.path("correct").asInt() + " / " + a.path("guesses").asInt());
      assertThat(b.text(row + "[data-field=audit_check]")).isEqualTo("ok");
    }
  }

  /**
   * Issue 23 #2 under DP: the job scales with the federation's noised feature statistics, which needs a public
   * range for every numeric column of job-dp.yaml.
   */
  private static String withFederatedStatistics(String yaml) {
    String columns = "  standardize: federated\n  columns:\n"
        + "    duration: {range: [4, 72]}\n    credit_amount: {range: [250, 20000]}\n"
        + "    installment_commitment: {range: [1, 4]}\n    residence_since: {range: [1, 4]}\n"
        + "    age: {range: [18, 80]}\n    existing_credits: {range: [1, 4]}\n    num_dependents: {range: [1, 2]}\n";
    assertThat(yaml).contains("  hidden_units: [16]\n");
    return yaml.replace("  hidden_units: [16]\n", "  hidden_units: [16]\n" + columns);
  }

  private static String dpJob(Map<String, Object> settings) throws IOException {
    String yaml = Files.readString(E2eEnvironment.creditJob().resolveSibling("job-dp.yaml"), StandardCharsets.UTF_8);
    for (Map.Entry<String, Object> e : settings.entrySet()) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + e.getKey() + ":.*$").matcher(yaml);
      assertThat(m.find()).as("job-dp.yaml has a line for %s", e.getKey()).isTrue();
      yaml = m.replaceFirst(e.getKey() + ": " + e.getValue());
    }
    return yaml;
  }

  /** The node's own ledger of dataset credit, verified under its identity key (files next to its node.yaml). */
  private static List<VerifiedLedgerEntry> nodeLedger(Path config, String nodeId) throws Exception {
    Path ledger = config.resolveSibling(nodeId + ".credit.ledger");
    Verification v = PrivacyLedger.verify(ledger,
        IdentityKeyPair.loadOrCreate(config.resolveSibling(nodeId + ".identity.key")).publicKey(), RdpAccountant.create());
    assertThat(v.isValid()).as("%s verifies: %s", ledger, v).isTrue();
    return v.entries();
  }

  private static VerifiedLedgerEntry last(List<VerifiedLedgerEntry> entries) {
    return entries.get(entries.size() - 1);
  }

  /**
   * {@code cohort-node ledger --output json} of a training node: every round's masked input left it,
   * sized, beside the spend its signed ledger records for that round.
   */
  private void checkNodeLedgerCommand(Path config, String jobId, List<VerifiedLedgerEntry> ledger) throws Exception {
    Path out = fed.dir().resolve("logs/cohort-node-ledger.json");
    Process p = new ProcessBuilder(E2eEnvironment.java(), "-jar", E2eEnvironment.nodeJar().toString(), "ledger",
        "--config", config.toString(), "--job", jobId, "--output", "json")
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("cohort-node ledger finished").isTrue();
    String text = Files.readString(out);
    assertThat(p.exitValue()).as(text).isZero();
    JsonNode uploads = AdminClient.JSON.readTree(text.substring(text.indexOf('{'))).path("uploads");
    for (VerifiedLedgerEntry e : ledger) {
      if (!e.spend().mechanism().equals("poisson-gaussian")) {
        continue; // an evaluation's charge (issue 19 #3): shown with the round's uploads beside the DP-SGD spend
      }
      JsonNode masked = null;
      for (JsonNode u : uploads) {
        if (u.path("kind").asText().equals("masked_input") && u.path("round").asLong() == e.spend().round()
            && u.path("outcome").asText().equals("ok")) {
          masked = u;
        }
      }
      assertThat(masked).as("a masked input of round %d in %s", e.spend().round(), text).isNotNull();
      assertThat(masked.path("bytes").asLong()).isPositive();
      assertThat(masked.path("privacy_spend").get(0).path("epsilon_after").asDouble()).isEqualTo(e.epsilonAfter());
      assertThat(masked.path("privacy_spend").get(0).path("unit").asText()).isEqualTo("record");
    }
    fed.event("cohort-node ledger: " + uploads.size() + " uploads of job " + jobId);
  }

  /**
   * The WCAG 2 contrast ratio of the page's main text colours (body text, muted text, links,
   * navigation, buttons, badges, flagged rows, table headers), from the browser's computed styles,
   * against the nearest opaque background: each must reach 4.5 (AA for normal text).
   */
  private static void assertContrast(DashboardBrowser b, String page) {
    Object result = b.js("""
        const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
          const p = m[1].split(',').map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
        const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
          return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
        const background = (el) => { for (let e = el; e; e = e.parentElement) {
            const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a >= 0.99) return c; }
          return { r: 255, g: 255, b: 255, a: 1 }; };
        const selectors = ['body', '#view h1', '.lede', '.muted', '.note', 'a', '#nav a', 'button', 'th', 'td',
          '.badge.ok', '.badge.bad', '.badge.warn', '.badge.run', 'tr.over td', 'caption', 'dt'];
        const out = [];
        for (const s of selectors) {
          const el = [...document.querySelectorAll(s)].find((e) => e.offsetParent !== null && e.textContent.trim() !== '');
          if (!el) continue;
          const fg = parse(getComputedStyle(el).color), bg = background(el);
          const l1 = lum(fg), l2 = lum(bg);
          out.push([s, (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05), getComputedStyle(el).color, `rgb(${bg.r}, ${bg.g}, ${bg.b})`]);
        }
        return out;""");
    List<?> rows = (List<?>) result;
    assertThat(rows).as("text elements measured on %s", page).hasSizeGreaterThanOrEqualTo(6);
    for (Object r : rows) {
      List<?> row = (List<?>) r;
      double ratio = ((Number) row.get(1)).doubleValue();
      assertThat(ratio).as("contrast of %s on %s (%s on %s)", row.get(0), page, row.get(2), row.get(3))
          .isGreaterThanOrEqualTo(4.5);
    }
  }

  /**
   * Issue 23 #7: each node's own metrics (here noised: a local-DP job) and the curves' points are the API's, the
   * privacy of the per-node numbers is stated in words, and both curves are drawn.
   */
  private static void checkNodeMetricsAndCurves(DashboardBrowser b, JsonNode job, JsonNode curves) {
    assertThat(job.path("node_metrics").asText()).startsWith("noised:");
    assertThat(b.text("#node-metrics-note")).contains(job.path("node_metrics").asText());
    int nodeRows = 0;
    for (JsonNode r : job.path("rounds")) {
      for (JsonNode n : r.path("node_evaluations")) {
        String row = "#node-metrics-table tr[data-round='" + r.path("round").asInt() + "'][data-node='"
            + n.path("node_id").asText() + "'] ";
        assertThat(b.attr(row + "[data-field=released]", "data-value")).isEqualTo("noised");
        assertThat(b.attr(row + "[data-field=examples]", "data-value")).isEqualTo(n.path("examples").asText());
        if (n.has("loss")) {
          assertShownOrDash(b, row + "[data-field=loss]", n.path("loss"), 4);
        }
        nodeRows++;
      }
    }
    assertThat(nodeRows).as("the training nodes' noised evaluations").isGreaterThanOrEqualTo(ROUNDS);
    assertThat(b.findAll("#node-metrics-table tbody tr")).hasSize(nodeRows);
    assertThat(b.findAll("#chart-roc canvas, #chart-pr canvas")).hasSizeGreaterThanOrEqualTo(2);
    assertShownOrDash(b, "#curves [data-field=curve_roc_auc]", curves.path("roc_auc"), 4);
    checkCurveTable(b, "#roc-table", curves.path("roc"), "fpr", "tpr");
    checkCurveTable(b, "#pr-table", curves.path("precision_recall"), "recall", "precision");
  }

  /** The page's table of a curve has the API's points, in order, both coordinates of each. */
  private static void checkCurveTable(DashboardBrowser b, String table, JsonNode points, String x, String y) {
    assertThat(b.findAll(table + " tbody tr")).hasSize(points.size());
    for (int i = 0; i < points.size(); i++) {
      String row = table + " tbody tr:nth-child(" + (i + 1) + ") ";
      assertShownOrDash(b, row + "[data-field=" + x + "]", points.get(i).path(x), 4);
      assertShownOrDash(b, row + "[data-field=" + y + "]", points.get(i).path(y), 4);
    }
  }

  /** The element shows {@code expected} rounded to {@code digits} and holds it exactly in data-value. */
  private static void assertShown(DashboardBrowser b, String css, double expected, int digits) {
    assertThat(Double.parseDouble(b.attr(css, "data-value"))).as("data-value of %s", css).isEqualTo(expected);
    assertThat(b.text(css)).as("text of %s", css).isEqualTo(toFixed(expected, digits));
  }

  /**
   * A metric the API leaves null (ROC AUC of a round whose noised evaluation counts hold one class only)
   * is shown as a dash with no data-value; any other is shown as {@link #assertShown} says.
   */
  private static void assertShownOrDash(DashboardBrowser b, String css, JsonNode value, int digits) {
    if (value.isNull() || value.isMissingNode()) {
      assertThat(b.attr(css, "data-value")).as("data-value of %s (the API has none)", css).isNull();
      assertThat(b.text(css)).as("text of %s (the API has none)", css).isEqualTo("—");
    } else {
      assertShown(b, css, value.asDouble(), digits);
    }
  }

  /**
   * What JavaScript's {@code Number.prototype.toFixed} shows: it rounds the double's exact binary value
   * (0.44375 is stored as 0.443749999…, so "0.4437"), whereas {@code String.format} rounds its shortest
   * decimal form half-up ("0.4438"). Ties (exactly representable halves) go away
   * from zero in both, and a negative value keeps its sign even when it rounds to zero, as in JavaScript.
   */
  static String toFixed(double value, int digits) {
    if (!Double.isFinite(value)) {
      return Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    }
    String fixed = new BigDecimal(Math.abs(value)).setScale(digits, RoundingMode.HALF_UP).toPlainString();
    return value < 0 ? "-" + fixed : fixed;
  }

  private static void checkTablet(DashboardBrowser b, String screenshot) throws IOException {
    b.size(DashboardBrowser.TABLET);
    try {
      b.js("return new Promise(r => setTimeout(r, 200));");
      assertThat(b.overflowsHorizontally()).as("page wider than a tablet (%s)", screenshot).isFalse();
      b.screenshot(screenshot);
    } finally {
      b.size(DashboardBrowser.LAPTOP);
    }
  }

  private static JsonNode find(JsonNode spend, String node, String dataset) {
    for (JsonNode s : spend) {
      if (s.path("node_id").asText().equals(node) && s.path("dataset").asText().equals(dataset)) {
        return s;
      }
    }
    throw new AssertionError("no spend for " + node + "/" + dataset + " in " + spend);
  }

  private static JsonNode lastEntry(JsonNode entries, String node, String dataset) {
    JsonNode last = null;
    for (JsonNode e : entries) {
      if (e.path("node_id").asText().equals(node) && e.path("dataset").asText().equals(dataset)
          && (last == null || e.path("entry_seq").asLong() > last.path("entry_seq").asLong())) {
        last = e;
      }
    }
    if (last == null) {
      throw new AssertionError("no entries for " + node + "/" + dataset + " in " + entries);
    }
    return last;
  }

  private static Path screenshotDir() {
    String dir = System.getProperty("cohort.e2e.screenshots");
    return dir == null || dir.isBlank() ? E2eEnvironment.home().resolve("docs/img") : Path.of(dir);
  }

  private int status(int port, String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(base().resolve(path)).GET();
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String createToken(int port, String adminToken, String role, String name) throws IOException, InterruptedException {
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(base().resolve("/api/v1/tokens"))
        .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"role\":\"" + role + "\",\"name\":\"" + name + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).as("POST /api/v1/tokens: %s", resp.body()).isEqualTo(201);
    return AdminClient.JSON.readTree(resp.body()).path("token").asText();
  }

  /** The seq of the first audit entry of {@code jobId} with {@code action}. */
  private long auditSeq(int port, String adminToken, String jobId, String action) throws IOException, InterruptedException {
    JsonNode entries = new AdminClient(base(), adminToken, AdminClient.trusting(fed.coordinator().adminCa())).get("/api/v1/audit?job=" + jobId);
    for (JsonNode e : entries) {
      if (e.path("action").asText().equals(action)) {
        return e.path("seq").asLong();
      }
    }
    throw new AssertionError("no " + action + " audit entry for " + jobId + " in " + entries);
  }
}
