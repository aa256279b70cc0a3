package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.coordinator.app.CoordinatorConfig;
import io.cohort.coordinator.job.JobState;
import io.cohort.coordinator.provenance.DetachedSignature;
import io.cohort.coordinator.provenance.ProvenanceKey;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.CheckpointDigest;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.checkpoint.Gpt2Config;
import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LoraSpec;
import io.cohort.proto.v1.ModelSpec;
import io.cohort.proto.v1.Pooling;
import io.cohort.proto.v1.TaskType;
import io.cohort.proto.v1.TextSpec;
import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cohort job export} and {@code cohort job verify-export} in-process against the running
 * coordinator over real HTTP, for a text job whose FFA-LoRA global model is in the store: PEFT,
 * merged (with the base checked by content hash) and bundle exports, each with a signed manifest
 * that verifies, and a tampered file that fails with exit 6 naming the file.
 */
@QuarkusTest
class JobExportTest {
  private static final long SEED = 8080L;
  private static final Gpt2Config TINY = Gpt2Config.of(40, 16, 12, 2, 3);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestHTTPResource("/") URI base;
  @Inject CoordinatorConfig config;
  @Inject JobStore store;
  @Inject ModelStore models;
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private Run cohort(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    if (args[1].equals("export")) {
      all.addAll(List.of("--coordinator", base.toString(), "--token", adminToken()));
    } else if (args[1].equals("verify-export")) {
      // Rounds here come from in-process fake nodes without certificates: NodeCoSignatureTest and the
      // operations walkthrough check the nodes' co-signatures (issue 21 #6); this test, the coordinator's.
      all.add("--no-node-signatures");
    }
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = CohortCli.commandLine(new CliConfig(Map.of("COHORT_CONFIG", dir.resolve("none.yaml").toString())))
          .execute(all.toArray(String[]::new));
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private String adminToken() throws Exception {
    return Files.readString(Path.of(config.dataDir()).resolve("admin.token"), StandardCharsets.US_ASCII).strip();
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() - 0.5);
    }
    return v;
  }

  /** A finished seq-cls job over {@code baseDir}: one round whose global model is B of c_attn and the head. */
  private String textJob(Path baseDir, SplittableRandom r) throws Exception {
    String jobId = "job-exp-" + Long.toHexString(System.nanoTime());
    JobSpec spec = JobSpec.newBuilder().setJobId(jobId).setName("export").setDatasetAlias("reuters")
        .setTask(TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION).setRounds(1).setMinNodes(1).setSeed(42)
        .setModel(ModelSpec.newBuilder().setName("tiny").setSha256(CheckpointDigest.of(baseDir)))
        .setLora(LoraSpec.newBuilder().setR(4).setAlpha(8).addTargetModules("c_attn").setFreezeA(true))
        .setText(TextSpec.newBuilder().setMaxLength(16).setPooling(Pooling.POOLING_LAST_TOKEN).setNumLabels(2))
        .build();
    store.createJob(spec, Instant.now());
    List<Tensor> global = new ArrayList<>();
    for (int layer = 0; layer < TINY.nLayer(); layer++) {
      global.add(new Tensor(PeftAdapter.loraBKey("transformer.h." + layer + ".attn.c_attn"), new long[] {36, 4},
          random(r, 144)));
    }
    global.add(new Tensor(PeftAdapter.KEY_PREFIX + "score.weight", new long[] {2, 12}, random(r, 24)));
    global.add(new Tensor(PeftAdapter.KEY_PREFIX + "score.bias", new long[] {2}, random(r, 2)));
    var stored = models.write(jobId, 1, new TensorBundle(global));
    store.completeRound(new RoundRecord(jobId, 1, 1, List.of("node-a"), List.of("node-a"), 10, stored.modelId(),
        stored.sha256Hex(), Instant.now(), Instant.now(), null), Instant.now());
    store.setState(jobId, JobState.COMPLETED, null, Instant.now());
    return jobId;
  }

  private Path baseModel(SplittableRandom r) throws Exception {
    Path b = dir.resolve("base");
    Map<String, CheckpointTensor> t = new LinkedHashMap<>();
    Checkpoint.expectedShapes(TINY).forEach((name, shape) -> t.put(name,
        new CheckpointTensor(name, shape, random(r, (int) CheckpointTensor
            .elementCount(shape)))));
    Checkpoint.save(b, TINY, t);
    Files.writeString(b.resolve("vocab.json"), "{\"a\": 0}");
    Files.writeString(b.resolve("merges.txt"), "#version: 0.2\n");
    return b;
  }

  @Test
  void peftMergedAndBundleExports_verify_andATamperedFileIsNamed() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    Path baseDir = baseModel(r);
    String job = textJob(baseDir, r);

    Path peft = dir.resolve("adapter");
    Run export = cohort("job", "export", job, "--out", peft.toString());
    assertThat(export.exit()).as("peft export (seed %d): %s %s", SEED, export.out(), export.err()).isZero();
    assertThat(export.out()).contains("PEFT adapter").contains("lora_A regenerated from the job seed");
    PeftAdapter adapter = PeftAdapter.read(peft);
    assertThat(adapter.lora().get("transformer.h.0.attn.c_attn").a().data())
        .isEqualTo(new LoraInit(LoraInit.seedForJob(42)).nextA(4, 12));
    assertThat(JSON.readTree(peft.resolve("cohort_training.json").toFile()).path("pooling").asText()).isEqualTo("last");
    Run verified = cohort("job", "verify-export", peft.toString());
    assertThat(verified.exit()).as("%s %s", verified.out(), verified.err()).isZero();
    assertThat(verified.out()).contains("export of job " + job + " verified").contains("3 files match");

    Path merged = dir.resolve("merged");
    Run m = cohort("job", "export", job, "--format", "merged", "--base", baseDir.toString(), "--out", merged.toString());
    assertThat(m.exit()).as("merged export: %s %s", m.out(), m.err()).isZero();
    Checkpoint mergedCheckpoint = Checkpoint.load(merged);
    assertThat(mergedCheckpoint.extras()).containsKeys("score.weight", "score.bias");
    assertThat(cohort("job", "verify-export", merged.toString()).exit()).isZero();

    Path otherBase = dir.resolve("other-base");
    Files.createDirectories(otherBase);
    for (String f : List.of("config.json", "model.safetensors", "vocab.json")) {
      Files.copy(baseDir.resolve(f), otherBase.resolve(f));
    }
    Run wrongBase = cohort("job", "export", job, "--format", "merged", "--base", otherBase.toString(), "--out",
        dir.resolve("merged-2").toString());
    assertThat(wrongBase.exit()).isEqualTo(CliException.USAGE);
    assertThat(wrongBase.err()).contains("content hash").contains("'tiny'");
    assertThat(dir.resolve("merged-2")).doesNotExist();

    Path bundle = dir.resolve("model.bundle");
    Run b = cohort("job", "export", job, "--format", "bundle", "--out", bundle.toString());
    assertThat(b.exit()).as("bundle export: %s %s", b.out(), b.err()).isZero();
    assertThat(dir.resolve("model.bundle.provenance.json")).exists();
    assertThat(cohort("job", "verify-export", bundle.toString()).exit()).isZero();

    byte[] weights = Files.readAllBytes(peft.resolve("adapter_model.safetensors"));
    weights[weights.length - 1] ^= 1;
    Files.write(peft.resolve("adapter_model.safetensors"), weights);
    Run tampered = cohort("job", "verify-export", peft.toString());
    assertThat(tampered.exit()).isEqualTo(CliException.INTEGRITY);
    assertThat(tampered.err()).contains("adapter_model.safetensors").contains("changed after export");

    // The published key is the one that signed, and it lives 0600 in the data directory.
    HttpResponse<String> key = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(
        "/api/v1/provenance/key")).header("Authorization", "Bearer " + adminToken()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(key.statusCode()).isEqualTo(200);
    String fingerprint = JSON.readTree(key.body()).path("fingerprint").asText();
    assertThat(DetachedSignature.parse(Files.readString(peft.resolve("provenance.sig"))).fingerprint())
        .isEqualTo(fingerprint);
    assertThat(cohort("job", "verify-export", merged.toString(), "--fingerprint", "sha256:" + "0".repeat(64)).exit())
        .isEqualTo(CliException.INTEGRITY);
    Path keyFile = Path.of(config.dataDir()).resolve(ProvenanceKey.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");

    // Issue 22 #6: the first export pinned the coordinator's key in the CLI config (the trust
    // anchor of verify-export); an export from a coordinator with another key is refused.
    assertThat(Files.readString(dir.resolve("none.yaml"))).isEqualTo("provenance_fingerprint: " + fingerprint + "\n");
    Files.writeString(dir.resolve("none.yaml"), "provenance_fingerprint: sha256:" + "0".repeat(64) + "\n");
    Run replaced = cohort("job", "export", job, "--format", "bundle", "--out", dir.resolve("other.bundle").toString());
    assertThat(replaced.exit()).as("%s %s", replaced.out(), replaced.err()).isEqualTo(CliException.INTEGRITY);
    assertThat(replaced.err()).contains("is not the pinned sha256:" + "0".repeat(64));
    assertThat(dir.resolve("other.bundle")).doesNotExist();
    Run otherPin = cohort("job", "verify-export", merged.toString());
    assertThat(otherPin.exit()).as("pinned to another key").isEqualTo(6);
    assertThat(otherPin.err()).contains("not the pinned coordinator key");

    HttpResponse<String> manifest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(
        "/api/v1/jobs/" + job + "/manifest")).header("Authorization", "Bearer " + adminToken()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(manifest.statusCode()).as(manifest.body()).isEqualTo(200);
    JsonNode latest = JSON.readTree(JSON.readTree(manifest.body()).path("manifest").asText());
    assertThat(latest.path("export").path("format").asText()).as("the latest export's manifest").isEqualTo("bundle");
    assertThat(latest.path("base_model").path("name").asText()).isEqualTo("tiny");
  }
}
