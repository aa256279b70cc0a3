package io.cohort.crypto.secagg.internal;

import io.cohort.crypto.Digests;
import java.util.Arrays;

/**
 * The exact bytes that are signed, hashed or used as associated data, each with its own domain
 * label so a signature or hash for one purpose can never be replayed as another.
 */
public final class Transcripts {
  private static final String V = "cohort/secagg/v1/";

  private Transcripts() {}

  public static byte[] advertiseKeys(String jobId, long round, int nodeId, byte[] identity, byte[] cipherPk,
      byte[] maskPk) {
    return new WireWriter().string(V + "advertise-keys").string(jobId).i64(round).i32(nodeId)
        .bytes(identity).bytes(cipherPk).bytes(maskPk).toByteArray();
  }

  /** The session id: SHA-256 over the job id, round and full signed key list (as in FCP). */
  public static byte[] sessionId(byte[] encodedRoster) {
    return Digests.sha256(new WireWriter().string(V + "session").bytes(encodedRoster).toByteArray());
  }

  public static byte[] shareKeys(byte[] sessionId, int sender, byte[] commitment) {
    return new WireWriter().string(V + "share-keys").bytes(sessionId).i32(sender).bytes(commitment).toByteArray();
  }

  public static byte[] shareAad(byte[] sessionId, long round, int sender, int recipient) {
    return new WireWriter().string(V + "share-aad").bytes(sessionId).i64(round).i32(sender).i32(recipient)
        .toByteArray();
  }

  /** H(b_u): the signed commitment to the self-mask seed that the coordinator checks (C3). */
  public static byte[] selfMaskCommitment(byte[] sessionId, int owner, byte[] seedLe) {
    return Digests.sha256(new WireWriter().string(V + "self-mask-commitment").bytes(sessionId).i32(owner)
        .bytes(seedLe).toByteArray());
  }

  /** What each node signs in the consistency check: session, sorted U3, model and config hashes (S3, S6). */
  public static byte[] consistency(byte[] sessionId, int[] survivors, byte[] modelHash, byte[] configHash) {
    int[] sorted = survivors.clone();
    Arrays.sort(sorted);
    return new WireWriter().string(V + "consistency").bytes(sessionId).ints(sorted).bytes(modelHash)
        .bytes(configHash).toByteArray();
  }

  public static byte[] unmasking(byte[] sessionId, int sender, byte[] sharesEncoding) {
    return new WireWriter().string(V + "unmasking").bytes(sessionId).i32(sender).bytes(sharesEncoding)
        .toByteArray();
  }
}
