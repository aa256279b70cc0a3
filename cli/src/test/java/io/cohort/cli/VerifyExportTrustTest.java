package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.provenance.DetachedSignature;
import io.cohort.coordinator.provenance.ProvenanceKey;
import io.cohort.crypto.Digests;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 finding #6: {@code verify-export} used to trust the key named inside the export, so an
 * export forged and re-signed with an attacker's key printed "verified" and exited 0. Now the
 * signer must be a pinned key (--fingerprint, $COHORT_PROVENANCE_FINGERPRINT or the CLI config's
 * provenance_fingerprint); without one nothing verifies.
 */
class VerifyExportTrustTest {
  private static final long SEED = 2206;
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  /** These exports carry no node co-signatures (issue 21 #6): the coordinator's key is what is tested here. */
  private Run cohort(Map<String, String> env, String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 1);
    all[args.length] = "--no-node-signatures";
    return cohortAsGiven(env, all);
  }

  private Run cohortAsGiven(Map<String, String> env, String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = CohortCli.commandLine(new CliConfig(env)).execute(args);
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  /** An export folder with one model file, its manifest signed by {@code key}. */
  private Path export(String name, ProvenanceKey key, byte[] model) throws Exception {
    Path folder = Files.createDirectories(dir.resolve(name));
    Files.write(folder.resolve("adapter_model.safetensors"), model);
    String manifest = "{\"manifest_version\":1,\"kind\":\"cohort export provenance\",\"job\":{\"job_id\":\"job-abc\"},"
        + "\"export\":{\"format\":\"peft\",\"files\":{\"adapter_model.safetensors\":\""
        + Digests.hex(Digests.sha256(folder.resolve("adapter_model.safetensors"))) + "\"}},"
        + "\"signer\":{\"algorithm\":\"Ed25519\",\"fingerprint\":\"" + key.fingerprint() + "\"}}";
    byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
    Files.write(folder.resolve("provenance.json"), bytes);
    Files.writeString(folder.resolve(DetachedSignature.FILE_NAME), DetachedSignature.sign(key, bytes).toJson());
    return folder;
  }

  @Test
  void forgedExport_reSignedWithAnAttackersKey_failsWithExit6() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    byte[] model = new byte[256];
    for (int i = 0; i < model.length; i++) {
      model[i] = (byte) r.nextInt(256);
    }
    ProvenanceKey coordinator = ProvenanceKey.loadOrCreate(dir.resolve("coordinator"));
    ProvenanceKey attacker = ProvenanceKey.loadOrCreate(dir.resolve("attacker"));
    Path genuine = export("genuine", coordinator, model);
    byte[] poisoned = model.clone();
    poisoned[7] ^= 0x5a;
    Path forged = export("forged", attacker, poisoned);

    Map<String, String> noPin = Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString());
    Run anchorless = cohort(noPin, "job", "verify-export", forged.toString());
    assertThat(anchorless.exit()).as("forged, no trust anchor (seed %d): %s", SEED, anchorless).isEqualTo(6);
    assertThat(anchorless.err()).contains("no trust anchor").contains(attacker.fingerprint())
        .contains("--fingerprint").doesNotContain("Exception");
    assertThat(anchorless.out()).doesNotContain("verified");
    assertThat(cohort(noPin, "job", "verify-export", genuine.toString()).exit())
        .as("even a genuine export needs an anchor").isEqualTo(6);

    Run flag = cohort(noPin, "job", "verify-export", forged.toString(), "--fingerprint", coordinator.fingerprint());
    assertThat(flag.exit()).as("forged, --fingerprint: %s", flag).isEqualTo(6);
    assertThat(flag.err()).contains("signed by key " + attacker.fingerprint())
        .contains("not the pinned coordinator key " + coordinator.fingerprint());
    assertThat(cohort(noPin, "job", "verify-export", genuine.toString(), "--fingerprint", coordinator.fingerprint())
        .exit()).isZero();

    Path cli = Files.writeString(dir.resolve("cli.yaml"), "# pinned by the first export\nprovenance_fingerprint: "
        + coordinator.fingerprint() + "\n");
    Map<String, String> pinned = Map.of("COHORT_CONFIG", cli.toString());
    Run fromConfig = cohort(pinned, "job", "verify-export", forged.toString());
    assertThat(fromConfig.exit()).as("forged, pinned in the config: %s", fromConfig).isEqualTo(6);
    assertThat(fromConfig.err()).contains("provenance_fingerprint in " + cli);
    Run ok = cohort(pinned, "job", "verify-export", genuine.toString());
    assertThat(ok.exit()).as("genuine, pinned in the config: %s", ok).isZero();
    assertThat(ok.out()).contains("verified").contains(coordinator.fingerprint());
    Run env = cohort(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString(), "COHORT_PROVENANCE_FINGERPRINT",
        coordinator.fingerprint()), "job", "verify-export", forged.toString());
    assertThat(env.exit()).isEqualTo(6);
  }

  @Test
  void withoutAFederationCa_nodeCoSignaturesCannotBeChecked_exit6UnlessSkippedVisibly() throws Exception {
    ProvenanceKey coordinator = ProvenanceKey.loadOrCreate(dir.resolve("coordinator"));
    Path genuine = export("genuine", coordinator, new byte[] {1, 2, 3});
    Map<String, String> env = Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString(),
        "COHORT_PROVENANCE_FINGERPRINT", coordinator.fingerprint());
    Run strict = cohortAsGiven(env, "job", "verify-export", genuine.toString());
    assertThat(strict.exit()).as("%s", strict).isEqualTo(6);
    assertThat(strict.err()).contains("no federation CA certificate").contains("--ca").contains("COHORT_CA_CERTIFICATE")
        .doesNotContain("Exception");
    Run skipped = cohortAsGiven(env, "job", "verify-export", genuine.toString(), "--no-node-signatures");
    assertThat(skipped.exit()).as("%s", skipped).isZero();
    assertThat(skipped.out()).contains("node co-signatures NOT checked");
    Run missingCa = cohortAsGiven(env, "job", "verify-export", genuine.toString(), "--ca",
        dir.resolve("absent.crt").toString());
    assertThat(missingCa.exit()).isEqualTo(6);
    assertThat(missingCa.err()).contains("absent.crt").doesNotContain("Exception");
  }

  @Test
  void pinProvenanceFingerprint_appendsOneLine_keepingTheRest() throws Exception {
    Path cli = Files.writeString(dir.resolve("cli.yaml"), "# mine\ncoordinator: http://c:8080");
    CliConfig config = new CliConfig(Map.of("COHORT_CONFIG", cli.toString()));
    assertThat(config.provenanceFingerprint()).isNull();
    config.pinProvenanceFingerprint("sha256:" + "ab".repeat(32));
    assertThat(Files.readString(cli)).isEqualTo("# mine\ncoordinator: http://c:8080\nprovenance_fingerprint: sha256:"
        + "ab".repeat(32) + "\n");
    assertThat(new CliConfig(Map.of("COHORT_CONFIG", cli.toString())).provenanceFingerprint())
        .isEqualTo("sha256:" + "ab".repeat(32));
  }
}
