package io.cohort.wire;

import com.google.protobuf.CodedOutputStream;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.Task;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The canonical hash of a job's terms (issue 21 #4): what a node pins when it accepts an offer and
 * compares every later task of the job against.
 *
 * <p>Canonical form: the ASCII prefix {@code "cohort-job-terms-v1\n"} followed by the
 * {@link JobSpec}'s deterministic protobuf serialisation ({@link CodedOutputStream#useDeterministicSerialization}:
 * fields in field-number order, map entries sorted by key, default values omitted, unknown fields
 * kept as received). Why protobuf and not canonical JSON: both sides already hold the spec as this
 * message, and deterministic serialisation is stable for one schema; any field a node does not know
 * still takes part through its unknown-field bytes, so a coordinator cannot hide a change in a new
 * field. The hash covers the JobSpec only (feature statistics and other per-round data travel in
 * their own task fields). Lower-case hex SHA-256.
 */
public final class JobTerms {
  private static final byte[] PREFIX = "cohort-job-terms-v1\n".getBytes(StandardCharsets.US_ASCII);

  private JobTerms() {}

  /** The canonical bytes of {@code spec} (prefix included). */
  public static byte[] canonical(JobSpec spec) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(PREFIX.length + spec.getSerializedSize());
    bytes.writeBytes(PREFIX);
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      spec.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /** Lower-case hex SHA-256 of {@link #canonical}. */
  public static String sha256Hex(JobSpec spec) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical(spec)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The JobSpec a task carries, whatever its kind; empty for a kind without one. */
  public static Optional<JobSpec> specOf(Task task) {
    return switch (task.getKindCase()) {
      case OFFER -> Optional.of(task.getOffer().getSpec());
      case TRAIN -> Optional.of(task.getTrain().getSpec());
      case EVALUATE -> Optional.of(task.getEvaluate().getSpec());
      case INIT -> Optional.of(task.getInit().getSpec());
      case SECAGG -> Optional.of(task.getSecagg().getSpec());
      case STATISTICS -> Optional.of(task.getStatistics().getSpec());
      default -> Optional.empty();
    };
  }

  /** {@code task} with {@code job_terms_sha256} set from the spec it carries (unchanged without one). */
  public static Task stamped(Task task) {
    return specOf(task).map(s -> task.toBuilder().setJobTermsSha256(sha256Hex(s)).build()).orElse(task);
  }
}
