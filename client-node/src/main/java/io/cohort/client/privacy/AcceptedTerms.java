package io.cohort.client.privacy;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.JobTerms;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The terms this node accepted for each job (issue 21 #4): the canonical hash of the offered
 * {@link JobSpec} ({@link JobTerms}), the spec itself and, for a private job, the DP plan the node
 * resolved for its data. Pinned durably before the node answers an offer, in {@code
 * <node>.accepted-terms} beside the identity key, one line per job; every later task of the job must
 * carry the same spec (and, where the coordinator states it, the same hash), or the node refuses it
 * before admitting, training or sending anything.
 *
 * <p>Why keep the spec and not only its hash: a refusal can then say which field changed (σ, clip
 * norm, rounds...), which is what an operator reading the log needs. The file holds job settings the
 * coordinator sent, nothing of the node's data. Written whole: temporary file, fsync, atomic rename.
 */
public final class AcceptedTerms {
  private static final String MAGIC = "accepted-terms v1";
  private static final Pattern LINE = Pattern.compile(Pattern.quote(MAGIC)
      + " job=(\\S+) sha256=([0-9a-f]{64}) plan=(\\S+) spec=([A-Za-z0-9+/=]*)");

  /** One job's pinned terms; {@code plan} is "-" for a job without DP. */
  public record Pinned(String jobId, String sha256, String plan, JobSpec spec) {
    String line() {
      return MAGIC + " job=" + jobId + " sha256=" + sha256 + " plan=" + plan + " spec="
          + Base64.getEncoder().encodeToString(JobTerms.canonical(spec));
    }
  }

  private final Path file;
  private final Map<String, Pinned> pinned = new LinkedHashMap<>();

  private AcceptedTerms(Path file) {
    this.file = file;
  }

  /** The pins kept in {@code file} (none when it does not exist yet). */
  public static AcceptedTerms open(Path file) throws IOException {
    AcceptedTerms t = new AcceptedTerms(file);
    if (!Files.exists(file)) {
      return t;
    }
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        throw new IOException(file + " line " + n + " is not a pinned job (expected '" + MAGIC
            + " job=… sha256=… plan=… spec=…')");
      }
      JobSpec spec = decode(Base64.getDecoder().decode(m.group(4)), file, n);
      if (!JobTerms.sha256Hex(spec).equals(m.group(2))) {
        throw new IOException(file + " line " + n + ": the stored spec does not match its hash (edited?)");
      }
      t.pinned.put(m.group(1), new Pinned(m.group(1), m.group(2), m.group(3), spec));
    }
    return t;
  }

  private static JobSpec decode(byte[] canonical, Path file, int n) throws IOException {
    int prefix = "cohort-job-terms-v1\n".length();
    try {
      return JobSpec.parseFrom(java.util.Arrays.copyOfRange(canonical, prefix, canonical.length));
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new IOException(file + " line " + n + ": the stored spec does not parse: " + e.getMessage());
    }
  }

  /** The file of {@code identityKey}'s node {@code nodeId}. */
  public static Path pathFor(Path identityKey, String nodeId) {
    return identityKey.resolveSibling(nodeId + ".accepted-terms");
  }

  public Optional<Pinned> pinned(String jobId) {
    return Optional.ofNullable(pinned.get(jobId));
  }

  /** Pins {@code spec} for its job (replacing nothing: call {@link #conflict} first), durably. */
  void pin(JobSpec spec, String plan) throws IOException {
    pinned.put(spec.getJobId(), new Pinned(spec.getJobId(), JobTerms.sha256Hex(spec), plan, spec));
    StringBuilder sb = new StringBuilder();
    for (Pinned p : pinned.values()) {
      sb.append(p.line()).append('\n');
    }
    io.cohort.crypto.keys.OwnerOnly.replaceDurably(file, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Why an offer of {@code spec} cannot be accepted: its job was accepted before under other terms
   * (a coordinator may not re-offer a job with a changed σ and have it accepted again). Empty when
   * the job is new or offered with the very same terms.
   */
  Optional<String> conflict(JobSpec spec) {
    Pinned p = pinned.get(spec.getJobId());
    if (p == null || p.sha256().equals(JobTerms.sha256Hex(spec))) {
      return Optional.empty();
    }
    return Optional.of("job terms: job " + spec.getJobId() + " was accepted before under other terms (sha256 "
        + p.sha256().substring(0, 16) + "…); a changed offer under the same job id is declined ("
        + String.join("; ", differences(p.spec(), spec)) + ")");
  }

  /**
   * Refuses a task of job {@code jobId} that does not carry exactly the accepted terms.
   *
   * @param statedSha256 the hash the task states ({@code Task.job_terms_sha256}); empty when the
   *     coordinator does not send one
   * @throws RoundRefusedException naming the job, the hashes and the changed fields
   */
  public void check(String jobId, JobSpec spec, String statedSha256) throws RoundRefusedException {
    Pinned p = pinned.get(jobId);
    if (p == null) {
      throw new RoundRefusedException("job terms: this node never accepted job " + jobId
          + ", so it refuses the task (nothing trained or sent)");
    }
    if (!spec.getJobId().equals(jobId)) {
      throw new RoundRefusedException("job terms: a task of job " + jobId + " carries the spec of job "
          + spec.getJobId() + "; refused");
    }
    String actual = JobTerms.sha256Hex(spec);
    if (!actual.equals(p.sha256())) {
      throw new RoundRefusedException("job terms changed: the task of job " + jobId + " carries terms sha256 "
          + actual.substring(0, 16) + "…, this node accepted " + p.sha256().substring(0, 16) + "… ("
          + String.join("; ", differences(p.spec(), spec)) + "); refused, nothing trained or sent");
    }
    if (!statedSha256.isEmpty() && !statedSha256.equals(p.sha256())) {
      throw new RoundRefusedException("job terms: the task of job " + jobId + " states terms sha256 "
          + statedSha256 + " but carries the accepted spec (" + p.sha256() + "); refused");
    }
  }

  /** The fields that differ between two specs, as "path: old → new" (at most 8, then a count). */
  static List<String> differences(Message accepted, Message offered) {
    List<String> out = new ArrayList<>();
    diff("", accepted, offered, out);
    if (out.isEmpty()) {
      out.add("fields unknown to this node differ");
    }
    if (out.size() > 8) {
      int more = out.size() - 8;
      out = new ArrayList<>(out.subList(0, 8));
      out.add(more + " more");
    }
    return out;
  }

  private static void diff(String prefix, Message a, Message b, List<String> out) {
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      Object va = a.getField(f);
      Object vb = b.getField(f);
      if (va.equals(vb)) {
        continue;
      }
      String name = prefix + f.getName();
      if (!f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        diff(name + ".", (Message) va, (Message) vb, out);
      } else {
        out.add(name + ": " + va + " → " + vb);
      }
    }
  }
}
