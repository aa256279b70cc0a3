package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three-hospital walkthrough of {@code docs/operations.md}, scripted with the packaged launchers
 * exactly as the guide (and the README's command list) gives them: {@code bin/cohort pki init},
 * {@code bin/cohort serve} in its default mutual-TLS mode, one-time enrolment tokens, three node
 * daemons with privacy budgets ({@code bin/cohort-node enroll}, {@code bin/cohort-node --config}),
 * {@code status}, a differentially private job submitted, watched and exported, {@code verify-export}
 * against the key the export pinned (issue 22 #6: a forged export re-signed with another key and an
 * unpinned verification both fail with exit 6), then revocation of one hospital and its re-enrolment.
 */
class OperationsWalkthroughE2eTest {
  static final List<String> HOSPITALS = List.of("hospital-a", "hospital-b", "hospital-c");
  static final int ROUNDS = 2;
  static final double BUDGET = 10.0;

  @TempDir Path dir;
  private final List<ManagedProcess> processes = new ArrayList<>();
  private final long seed = E2eEnvironment.seed();
  private final long started = System.nanoTime();
  private Launchers cli;

  @AfterEach
  void cleanup() throws InterruptedException {
    for (ManagedProcess p : processes) {
      p.kill("cleanup after the test");
    }
  }

  private void event(String what) {
    if (Boolean.getBoolean("cohort.e2e.verbose")) {
      System.out.printf("[walkthrough +%6.1fs] %s%n", (System.nanoTime() - started) / 1e9, what);
    }
  }

  /** What the failing assertion should print: the run and the tail of every process log. */
  private String context(Object run) {
    StringBuilder sb = new StringBuilder().append(run).append("\n(seed ").append(seed).append(")\n");
    for (ManagedProcess p : processes) {
      sb.append("---- ").append(p).append(": ").append(p.log()).append('\n').append(p.logTail(30)).append('\n');
    }
    return sb.toString();
  }

  private Launchers.Run ok(Launchers.Run r) {
    assertThat(r.exit()).as(context(r)).isZero();
    return r;
  }

  @Test
  // A limit, not a duration: the offline-CA enrolment (issue 21 #1) adds a few CLI starts per hospital,
  // and on a 2-core machine shared with other builds (load 40) the run reached revocation at 8 minutes.
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void threeHospitals_fromPkiInitToVerifyExport_withRevocationAndReEnrolment() throws Exception {
    Path data = dir.resolve("var-lib-cohort");
    Files.createDirectories(dir.resolve("logs"));
    cli = new Launchers(dir, dir.resolve("cli.yaml"), this::event);
    int grpc = Federation.freePort();
    int http = Federation.freePort();
    while (http == grpc) {
      http = Federation.freePort();
    }
    // Issue 21 #5: the admin API is HTTPS only; the CLI checks it against the federation CA (cli.yaml).
    String api = "https://127.0.0.1:" + http;
    String dd = data.toString();

    // Section 3 (issue 21 #1): the federation's CA on its own machine, passphrase-protected; the
    // coordinator makes its key and request, the CA signs it there, the coordinator installs the result.
    Path caMachine = Files.createDirectories(dir.resolve("ca-machine"));
    Path ca = caMachine.resolve("ca");
    Path passphrase = Files.writeString(caMachine.resolve("passphrase"), "walkthrough CA passphrase " + seed + "\n");
    Path usb = Files.createDirectories(dir.resolve("usb"));
    Launchers.Run init = ok(cli.cohort("pki", "init", "--ca-dir", ca.toString(), "--passphrase-file",
        passphrase.toString()));
    assertThat(init.all()).as("pki init prints the CA fingerprint").containsPattern("[0-9a-f]{64}");
    assertThat(Files.readString(ca.resolve("ca.key"))).contains("ENCRYPTED PRIVATE KEY");
    ok(cli.cohort("pki", "server-request", "--data-dir", dd, "--out", usb.resolve("coordinator.csr").toString()));
    ok(cli.cohort("pki", "issue", "--ca-dir", ca.toString(), "--passphrase-file", passphrase.toString(), "--server",
        "--csr", usb.resolve("coordinator.csr").toString(), "--server-name", "cohort.example.org", "--out",
        usb.toString()));
    ok(cli.cohort("pki", "crl", "--ca-dir", ca.toString(), "--passphrase-file", passphrase.toString()));
    Files.copy(ca.resolve("ca.crl"), usb.resolve("ca.crl"));
    assertThat(usb.resolve("https.crt")).as("the admin API's certificate, signed with the gRPC one").exists();
    ok(cli.cohort("pki", "install", "--data-dir", dd, "--ca-cert", usb.resolve("ca.crt").toString(), "--server-cert",
        usb.resolve("coordinator.crt").toString(), "--https-cert", usb.resolve("https.crt").toString(), "--crl",
        usb.resolve("ca.crl").toString()));
    assertThat(data.resolve("pki/ca.key")).as("the coordinator never holds the CA key").doesNotExist();
    // verify-export checks the nodes' co-signatures against this CA certificate (issue 21 #6).
    Files.writeString(dir.resolve("cli.yaml"), "ca_certificate: " + usb.resolve("ca.crt") + "\n");
    Launchers.Daemon serve = new Launchers.Daemon("coordinator", dir.resolve("logs/coordinator.log"), "cohort",
        List.of("serve", "--data-dir", dd, "--grpc-port", String.valueOf(grpc), "--http-port", String.valueOf(http),
            "--bind", "127.0.0.1", "-Dcohort.heartbeat-interval=1s"));
    processes.add(serve);
    serve.start();
    AdminClient admin = awaitAdmin(serve, data, api);
    event("coordinator up");

    // Section 4: a token per hospital, node.yaml with a budget, enrol, start the daemon.
    CreditData credit = CreditData.load();
    List<CreditData.Shard> shards = credit.shards(HOSPITALS.size(), new java.util.Random(seed));
    Map<String, Path> configs = new LinkedHashMap<>();
    Map<String, Launchers.Daemon> daemons = new LinkedHashMap<>();
    for (int i = 0; i < HOSPITALS.size(); i++) {
      String h = HOSPITALS.get(i);
      Path home = Files.createDirectories(dir.resolve(h));
      List<List<String>> rows = new ArrayList<>(shards.get(i).train());
      rows.addAll(shards.get(i).validation());
      Path csv = credit.write(Files.createDirectories(home.resolve("data")).resolve("credit.csv"), rows);
      configs.put(h, Files.writeString(home.resolve("node.yaml"), "node_id: " + h + "\n"
          + "coordinator: 127.0.0.1:" + grpc + "\n"
          + "max_backoff_seconds: 1\n"
          + "datasets:\n"
          + "  - alias: credit\n"
          + "    path: " + csv + "\n"
          + "    epsilon_budget: " + BUDGET + "\n"
          + "    delta: 1.0e-5\n", StandardCharsets.UTF_8));
      daemons.put(h, new Launchers.Daemon(h, dir.resolve("logs/" + h + ".log"), "cohort-node",
          List.of("--config", configs.get(h).toString())));
      processes.add(daemons.get(h));
    }
    // The three hospitals enrol at the same time, as three operators would (and to keep the test short):
    // node key and request on the node, approval by fingerprint, signing on the CA machine, install.
    inParallel(HOSPITALS, h -> {
      enrolThroughTheOfflineCa(h, configs.get(h), api, dd, ca, passphrase, usb);
      daemons.get(h).start();
    });
    awaitConnected(admin, HOSPITALS);

    // Issue 21 #5: plain HTTP on the admin port gets nothing, and the CLI says to use https://.
    Launchers.Run plain = cli.cohort("node", "list", "--coordinator", "http://127.0.0.1:" + http, "--data-dir", dd);
    assertThat(plain.exit()).as(context(plain)).isNotZero();
    assertThat(plain.all()).as(context(plain)).contains("use https://");

    // Section 5: the connection, from both sides.
    inParallel(HOSPITALS, h -> {
      Launchers.Run status = ok(cli.cohortNode("status", "--config", configs.get(h).toString()));
      assertThat(status.all()).as(context(status)).contains("connected, certificate accepted").contains("CN=" + h);
    }, () -> {
      Launchers.Run list = ok(cli.cohort("node", "list", "--coordinator", api, "--data-dir", dd));
      for (String h : HOSPITALS) {
        assertThat(list.out()).as(context(list)).contains(h);
      }
    });

    // A differentially private job (README: job submit | watch | export | verify-export).
    Path jobFile = dir.resolve("job-dp.yaml");
    Files.writeString(jobFile, Files.readString(E2eEnvironment.home().resolve("examples/credit/job-dp.yaml"))
        .replaceFirst("(?m)^rounds: .*$", "rounds: " + ROUNDS)
        .replaceFirst("(?m)^seed: .*$", "seed: " + seed));
    String jobId = ok(cli.cohort("job", "submit", jobFile.toString(), "--coordinator", api, "--data-dir", dd)).out()
        .strip();
    assertThat(jobId).matches("job-[0-9a-f]{12}");
    Launchers.Run watch = cli.cohort("job", "watch", jobId, "--interval", "500ms", "--coordinator", api, "--data-dir", dd);
    assertThat(watch.exit()).as(context(watch)).isZero();
    assertThat(watch.out()).contains("job " + jobId + " COMPLETED " + ROUNDS + "/" + ROUNDS + " rounds");
    JsonNode job = admin.job(jobId);
    assertThat(Federation.sorted(Federation.round(job, ROUNDS).path("contributors"))).as("%s", job)
        .containsExactlyElementsOf(HOSPITALS);
    JsonNode privacy = admin.get("/api/v1/privacy?node=hospital-a&dataset=credit");
    assertThat(privacy.toString()).as("the coordinator stored hospital-a's signed spend: %s", privacy).contains(jobId);

    // Each hospital's budget after the job and, beside them, the export: the first export pins the
    // coordinator's provenance key in the CLI config (trust on first use).
    Path bundle = dir.resolve("model.bundle");
    Launchers.Run[] exported = new Launchers.Run[1];
    inParallel(HOSPITALS, h -> {
      Launchers.Run budget = ok(cli.cohortNode("privacy", "budget", "--config", configs.get(h).toString()));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(
          "dataset credit: budget epsilon 10\\.0 at delta 1\\.0E-5 \\(rdp\\), spent (\\d+\\.\\d{4}), reserved 0\\.0000,")
          .matcher(budget.out());
      assertThat(m.find()).as("%s's budget after the job (spent, nothing left reserved): %s", h, budget).isTrue();
      assertThat(Double.parseDouble(m.group(1))).as("%s spent", h).isGreaterThan(0).isLessThanOrEqualTo(8.0);
      // Each round releases a DP-SGD update and a noised evaluation, each its own ledger entry (issue 19 #3).
      assertThat(budget.out()).contains("job " + jobId + ": " + 2 * ROUNDS + " releases, rounds 1-" + ROUNDS)
          .contains(": verifies");
    }, () -> exported[0] = ok(cli.cohort("job", "export", jobId, "--out", bundle.toString(), "--coordinator", api,
        "--data-dir", dd)));
    Launchers.Run export = exported[0];
    String fingerprint = admin.get("/api/v1/provenance/key").path("fingerprint").asText();
    assertThat(fingerprint).startsWith("sha256:");
    assertThat(export.all()).as(context(export)).contains(fingerprint);
    assertThat(Files.readString(dir.resolve("cli.yaml"))).contains("provenance_fingerprint").contains(fingerprint);
    // Issue 22 #6: a forged export (poisoned, re-signed with another key) beside the genuine one.
    Path forged = Files.createDirectories(dir.resolve("forged")).resolve("model.bundle");
    String forgerFingerprint = forge(bundle, forged);
    Path noConfig = dir.resolve("no-such-cli.yaml");
    // The verifications are offline and independent: run them side by side.
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(5);
    try {
      var pinned = pool.submit(() -> cli.cohort("job", "verify-export", bundle.toString()));
      var flagged = pool.submit(() -> cli.cohort("job", "verify-export", bundle.toString(), "--fingerprint", fingerprint));
      var forgedPinned = pool.submit(() -> cli.cohort("job", "verify-export", forged.toString()));
      var forgedOwnKey = pool.submit(() -> cli.cohort("job", "verify-export", forged.toString(), "--fingerprint",
          forgerFingerprint));
      var unpinned = pool.submit(() -> cli.run("cohort", Map.of("COHORT_CONFIG", noConfig.toString()), "job",
          "verify-export", bundle.toString()));
      // The genuine export verifies against the key the export pinned, and against --fingerprint.
      assertThat(ok(pinned.get()).out()).contains("verified").contains(fingerprint)
          .as("issue 21 #6: every hospital co-signed both rounds").contains((HOSPITALS.size() * ROUNDS)
              + " node co-signatures check out against the federation CA");
      ok(flagged.get());
      // The forgery fails against the pin, naming both keys ...
      Launchers.Run f = forgedPinned.get();
      assertThat(f.exit()).as(context(f)).isEqualTo(6);
      assertThat(f.all()).contains(forgerFingerprint).contains(fingerprint).doesNotContain("\tat ");
      // ... and is otherwise well formed: with the forger's own key as the anchor it would verify.
      ok(forgedOwnKey.get());
      // Without any pinned key, verification refuses even the genuine export and says how to pin.
      Launchers.Run u = unpinned.get();
      assertThat(u.exit()).as(context(u)).isEqualTo(6);
      assertThat(u.all()).contains("--fingerprint").doesNotContain("\tat ");
    } finally {
      pool.shutdownNow();
    }

    // Section 7: revoke hospital-c; its status says REVOKED (exit 3) and it stays out.
    String revokedId = "hospital-c";
    ok(cli.cohort("node", "revoke", revokedId, "--coordinator", api, "--data-dir", dd));
    Launchers.Daemon revoked = daemons.get(revokedId);
    await().atMost(Duration.ofSeconds(60)).until(() -> !connected(admin, revokedId));
    Launchers.Run revokedStatus = cli.cohortNode("status", "--config", configs.get(revokedId).toString());
    assertThat(revokedStatus.exit()).as(context(revokedStatus)).isEqualTo(3);
    assertThat(revokedStatus.all()).contains("REVOKED");

    // On the CA machine, the revocation is signed into the CRL the coordinator relays to every node.
    ok(cli.cohort("pki", "revoke", "--ca-dir", ca.toString(), "--passphrase-file", passphrase.toString(), "--node",
        revokedId));
    ok(cli.cohort("pki", "install", "--data-dir", dd, "--crl", ca.resolve("ca.crl").toString()));
    String crl = new String(admin.getBytes("/api/v1/pki/crl"), StandardCharsets.US_ASCII);
    assertThat(crl).contains("BEGIN X509 CRL");

    // Re-enrolment with a new token and the old key, then a restart of the daemon: it is back.
    revoked.stop(20);
    enrolThroughTheOfflineCa(revokedId, configs.get(revokedId), api, dd, ca, passphrase, usb);
    revoked.start();
    awaitConnected(admin, List.of(revokedId));
    Launchers.Run back = ok(cli.cohortNode("status", "--config", configs.get(revokedId).toString()));
    assertThat(back.all()).as(context(back)).contains("connected, certificate accepted");
    assertThat(serve.isAlive()).as("the coordinator ran throughout").isTrue();
  }

  /** One step of a hospital's operator, run beside the others'. */
  interface HospitalStep {
    void run(String hospital) throws Exception;
  }

  /** A step of the walkthrough that can run beside others. */
  /**
   * Section 4 for one hospital (issue 21 #1): {@code cohort-node enroll} makes the key and request and
   * waits; the federation operator exports the request by the fingerprint the hospital read out,
   * signs it on the CA machine and installs the certificate; the waiting enroll then stores it.
   */
  private void enrolThroughTheOfflineCa(String h, Path cfg, String api, String dd, Path ca, Path passphrase, Path usb)
      throws Exception {
    String token = Launchers.enrolmentToken(ok(cli.cohort("node", "token", h, "--coordinator", api, "--data-dir", dd)));
    // Its own thread: enroll blocks until the certificate is installed (the common pool may have one thread).
    java.util.concurrent.ExecutorService waiting = java.util.concurrent.Executors.newSingleThreadExecutor();
    java.util.concurrent.Future<Launchers.Run> enrol;
    try {
      enrol = waiting.submit(() -> cli.cohortNode("enroll", "--config", cfg.toString(), "--token", token));
    } finally {
      waiting.shutdown();
    }
    // The operator compares the fingerprint `enroll` prints with `cohort node requests` (polled here
    // through the same admin API, which is quicker than a CLI start per poll).
    String[] fingerprint = {null};
    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> {
      for (JsonNode r : AdminClient.https(java.net.URI.create(api), Files.readString(Path.of(dd, "admin.token")).strip(),
          Path.of(dd, "pki", "ca.crt")).get("/api/v1/pki/requests")) {
        if (r.path("node_id").asText().equals(h)) {
          fingerprint[0] = r.path("fingerprint").asText();
        }
      }
      return fingerprint[0] != null || enrol.isDone();
    });
    assertThat(fingerprint[0]).as("%s's request is pending: %s", h, enrol.isDone() ? context(enrol.get()) : "").isNotNull();
    Path csr = usb.resolve(h + ".csr");
    ok(cli.cohort("node", "csr", h, "--fingerprint", fingerprint[0], "--out", csr.toString(), "--coordinator", api,
        "--data-dir", dd));
    Path kit = usb.resolve(h + "-kit-" + System.nanoTime());
    ok(cli.cohort("pki", "issue", "--ca-dir", ca.toString(), "--passphrase-file", passphrase.toString(), "--node", h,
        "--csr", csr.toString(), "--fingerprint", fingerprint[0], "--out", kit.toString()));
    ok(cli.cohort("node", "install-cert", h, kit.resolve(h + ".crt").toString(), "--coordinator", api, "--data-dir", dd));
    Launchers.Run enrolled = ok(enrol.get(180, TimeUnit.SECONDS));
    assertThat(enrolled.all()).contains("certificate request fingerprint: " + fingerprint[0])
        .contains("enrolled: certificate");
    assertThat(cfg.resolveSibling(h + ".identity.key")).exists();
    assertThat(cfg.resolveSibling(h + ".crt")).exists();
    assertThat(cfg.resolveSibling("ca.crt")).exists();
  }

  interface Step {
    void run() throws Exception;
  }

  /** Runs {@code step} for every hospital at once, and {@code others} beside them; the first failure fails the test. */
  private static void inParallel(List<String> hospitals, HospitalStep step, Step... others) throws Exception {
    List<Step> all = new ArrayList<>();
    for (String h : hospitals) {
      all.add(() -> step.run(h));
    }
    all.addAll(List.of(others));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(all.size());
    try {
      List<java.util.concurrent.Future<Object>> results = new ArrayList<>();
      for (Step st : all) {
        results.add(pool.submit(() -> {
          st.run();
          return null;
        }));
      }
      for (java.util.concurrent.Future<Object> f : results) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof Error err) {
            throw err;
          }
          throw (Exception) e.getCause();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private AdminClient awaitAdmin(ManagedProcess serve, Path data, String api) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    Path tokenFile = data.resolve("admin.token");
    while (System.nanoTime() < deadline) {
      if (!serve.isAlive()) {
        throw new AssertionError("bin/cohort serve exited with " + serve.exitCode() + ":\n" + serve.logTail(60));
      }
      if (Files.exists(tokenFile)) {
        String token = Files.readString(tokenFile, StandardCharsets.US_ASCII).strip();
        if (!token.isEmpty()) {
          AdminClient client = AdminClient.https(java.net.URI.create(api), token, data.resolve("pki/ca.crt"));
          try {
            client.nodes();
            return client;
          } catch (IOException | AdminClient.HttpError e) {
            // not ready yet
          }
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError("bin/cohort serve did not answer in 120 s:\n" + serve.logTail(60));
  }

  private void awaitConnected(AdminClient admin, List<String> ids) {
    await("nodes " + ids + " connected (seed " + seed + ")").atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250)).until(() -> {
          for (String id : ids) {
            if (!connected(admin, id)) {
              return false;
            }
          }
          return true;
        });
    event("connected: " + ids);
  }

  private static boolean connected(AdminClient admin, String nodeId) throws IOException, InterruptedException {
    for (JsonNode n : admin.nodes()) {
      if (n.path("node_id").asText().equals(nodeId)) {
        return n.path("connected").asBoolean();
      }
    }
    return false;
  }

  /**
   * What an attacker does: poisons the model (one byte), fixes its SHA-256 in the manifest, names
   * their own key as the signer and signs the manifest with it. Returns the forger's fingerprint.
   */
  private static String forge(Path bundle, Path forged) throws Exception {
    String name = bundle.getFileName().toString();
    byte[] model = Files.readAllBytes(bundle);
    String oldSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
    model[model.length / 2] ^= 0x01;
    String newSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
    Files.write(forged, model);

    KeyPair attacker = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] x509 = attacker.getPublic().getEncoded();
    byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    String fp = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));

    Path sigFile = bundle.resolveSibling(name + ".provenance.sig");
    ObjectNode sig = (ObjectNode) AdminClient.JSON.readTree(Files.readString(sigFile));
    String manifest = Files.readString(bundle.resolveSibling(name + ".provenance.json"), StandardCharsets.UTF_8);
    assertThat(manifest).as("the manifest lists the model's SHA-256").contains(oldSha);
    manifest = manifest.replace(oldSha, newSha).replace(sig.path("fingerprint").asText(), fp);
    byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
    Files.write(forged.resolveSibling(name + ".provenance.json"), manifestBytes);

    Signature s = Signature.getInstance("Ed25519");
    s.initSign(attacker.getPrivate());
    s.update(manifestBytes);
    sig.put("public_key", HexFormat.of().formatHex(raw)).put("fingerprint", fp)
        .put("signature", Base64.getEncoder().encodeToString(s.sign()));
    Files.writeString(forged.resolveSibling(name + ".provenance.sig"), sig.toPrettyString() + "\n");
    return fp;
  }
}
