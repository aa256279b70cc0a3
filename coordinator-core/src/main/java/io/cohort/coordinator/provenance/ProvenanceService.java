package io.cohort.coordinator.provenance;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.LedgerEntryStore;
import io.cohort.coordinator.store.PrivacyAuditStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.crypto.Digests;
import io.cohort.format.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Signs provenance manifests for exports of a job's final global model and keeps the latest one
 * per job under {@code <data-dir>/provenance/<job>/} (served by {@code GET .../manifest}).
 *
 * <p>What the coordinator vouches for: everything in the manifest comes from its own store,
 * except the hashes of files it cannot see. For {@code bundle} exports it checks the file hash
 * against its stored model file; for {@code peft} and {@code merged} exports the exporting
 * client (an admin) reports the hashes of the files it derived from the verified global model,
 * and the manifest says so ({@code files_hashed_by: exporting client}).
 */
public final class ProvenanceService {
  private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private final JobStore jobs;
  private final LedgerEntryStore ledger;
  private final PrivacyAuditStore audits;
  private final ModelStore models;
  private io.cohort.coordinator.store.ModelReceiptStore receipts;
  private java.util.function.Supplier<byte[]> crl = () -> new byte[0];
  private final ProvenanceKey key;
  private final Path manifestDir;
  private final Clock clock;
  private final String coordinatorVersion;

  /** A signed manifest: the exact text of {@code provenance.json} and of {@code provenance.sig}. */
  public record Signed(String manifest, String signature) {}

  public ProvenanceService(JobStore jobs, LedgerEntryStore ledger, ModelStore models, ProvenanceKey key,
      Path manifestDir, Clock clock, String coordinatorVersion) {
    this(jobs, ledger, null, models, key, manifestDir, clock, coordinatorVersion);
  }

  /** @param audits where the nodes' privacy audits are (null: manifests state none) */
  public ProvenanceService(JobStore jobs, LedgerEntryStore ledger, PrivacyAuditStore audits, ModelStore models,
      ProvenanceKey key, Path manifestDir, Clock clock, String coordinatorVersion) {
    this.audits = audits;
    this.jobs = jobs;
    this.ledger = ledger;
    this.models = models;
    this.key = key;
    this.manifestDir = manifestDir;
    this.clock = clock;
    this.coordinatorVersion = coordinatorVersion;
  }

  /**
   * Has manifests carry the nodes' signed model receipts of each round (issue 21 #6) and the
   * federation CRL the coordinator holds now ({@code crl} may give an empty array).
   */
  public ProvenanceService withModelReceipts(io.cohort.coordinator.store.ModelReceiptStore receipts,
      java.util.function.Supplier<byte[]> crl) {
    this.receipts = receipts;
    this.crl = crl;
    return this;
  }

  public ProvenanceKey key() {
    return key;
  }

  /**
   * Signs and stores the manifest of an export of the job's final global model.
   *
   * @param globalModelSha256 the tensor SHA-256 of the global model the export was made from; must
   *     be the last completed round's
   */
  public Signed sign(String jobId, String format, Map<String, String> files, String globalModelSha256, String actor) {
    JobRecord job = job(jobId);
    List<RoundRecord> rounds = jobs.rounds(jobId);
    RoundRecord last = lastRound(job, rounds);
    if (!last.modelSha256().equals(globalModelSha256)) {
      throw DomainException.invalid("global_model_sha256 " + globalModelSha256 + " is not the model of job " + jobId
          + "'s last completed round " + last.round() + " (" + last.modelSha256() + ")");
    }
    ExportedFiles exported;
    try {
      exported = format.equals("bundle") ? checkedBundle(last, files)
          : new ExportedFiles(format, files, ExportedFiles.BY_CLIENT);
    } catch (IllegalArgumentException e) {
      throw DomainException.invalid(e.getMessage());
    }
    Signed s = signFacts(job, rounds, exported);
    store(jobId, s);
    jobs.audit(new AuditEvent(actor, "job.exported", jobId, last.round(), null, "format " + format + ", "
        + files.size() + " files, manifest sha256 " + Digests.sha256Hex(s.manifest().getBytes(StandardCharsets.UTF_8))));
    return s;
  }

  /** The latest stored manifest of the job, else a freshly signed one for its stored bundle. */
  public Signed latestOrBundle(String jobId) {
    JobRecord job = job(jobId);
    Optional<Signed> stored = latest(jobId);
    if (stored.isPresent()) {
      return stored.get();
    }
    List<RoundRecord> rounds = jobs.rounds(jobId);
    RoundRecord last = lastRound(job, rounds);
    return signFacts(job, rounds, new ExportedFiles("bundle", Map.of(bundleName(jobId, last), bundleSha(last)),
        ExportedFiles.BY_COORDINATOR));
  }

  public Optional<Signed> latest(String jobId) {
    Path dir = dir(jobId);
    Path m = dir.resolve(ManifestWriter.FILE_NAME);
    Path s = dir.resolve(DetachedSignature.FILE_NAME);
    if (!Files.isRegularFile(m) || !Files.isRegularFile(s)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Signed(Files.readString(m), Files.readString(s)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the stored manifest of job " + jobId, e);
    }
  }

  /** The file name a bundle export of the job's round gets by default. */
  public static String bundleName(String jobId, RoundRecord round) {
    return jobId + "-round-" + round.round() + ".bundle";
  }

  private ExportedFiles checkedBundle(RoundRecord last, Map<String, String> files) {
    if (files.size() != 1) {
      throw new IllegalArgumentException("a bundle export is one file, got " + files.size());
    }
    Map.Entry<String, String> only = files.entrySet().iterator().next();
    String mine = bundleSha(last);
    if (!mine.equals(only.getValue())) {
      throw new IllegalArgumentException("files['" + only.getKey() + "'] has SHA-256 " + only.getValue()
          + " but the stored model file of round " + last.round() + " has " + mine);
    }
    return new ExportedFiles("bundle", files, ExportedFiles.BY_COORDINATOR);
  }

  private String bundleSha(RoundRecord last) {
    try {
      return Digests.hex(Digests.sha256(models.file(last.modelId())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model of round " + last.round(), e);
    }
  }

  private Signed signFacts(JobRecord job, List<RoundRecord> rounds, ExportedFiles files) {
    byte[] manifest = ManifestWriter.write(new ManifestWriter.Facts(job, rounds, ledger.byJob(job.jobId()),
        audits == null ? List.of() : audits.audits(job.jobId()),
        jobs.nodes(), coordinatorVersion, files, clock.instant(), key.fingerprint(),
        receipts == null ? List.of() : receipts.byJob(job.jobId()), crl.get()));
    DetachedSignature sig = DetachedSignature.sign(key, manifest);
    return new Signed(new String(manifest, StandardCharsets.UTF_8), sig.toJson());
  }

  private void store(String jobId, Signed s) {
    Path dir = dir(jobId);
    try {
      Files.createDirectories(dir);
      AtomicFiles.writeString(dir.resolve(ManifestWriter.FILE_NAME), s.manifest());
      AtomicFiles.writeString(dir.resolve(DetachedSignature.FILE_NAME), s.signature());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store the manifest of job " + jobId, e);
    }
  }

  private JobRecord job(String jobId) {
    if (!JOB_ID.matcher(jobId).matches()) {
      throw DomainException.notFound("no job '" + jobId + "'");
    }
    return jobs.job(jobId).orElseThrow(() -> DomainException.notFound("no job '" + jobId + "'"));
  }

  private static RoundRecord lastRound(JobRecord job, List<RoundRecord> rounds) {
    if (rounds.isEmpty()) {
      throw DomainException.precondition("job " + job.jobId() + " (" + job.state() + ") has no completed round to export");
    }
    return rounds.get(rounds.size() - 1);
  }

  private Path dir(String jobId) {
    return manifestDir.resolve(jobId);
  }
}
