package io.cohort.crypto.secagg;

/** Why a secure-aggregation session halted. The reason is safe to log: it never names a secret. */
public enum AbortReason {
  /** Fewer survivors than the threshold t or the minimum cohort size at some stage (D5, D6, D7). */
  TOO_FEW_SURVIVORS,
  /** Fewer certified identities than the minimum cohort size (S5). */
  TOO_FEW_CERTIFIED_IDENTITIES,
  /** A signature did not verify, or an identity is not certified (S4). */
  BAD_SIGNATURE,
  /** Messages of this round name different session ids: the coordinator equivocated (S4, S8). */
  SESSION_MISMATCH,
  /** A survivor or dropout list is inconsistent (S1, S2, S3). */
  INCONSISTENT_SURVIVOR_SETS,
  /**
   * Fewer than t valid consistency signatures on this node's (session, U3, model hash, config
   * hash): the coordinator showed different survivor sets, models or configs to different nodes
   * (S3, S6).
   */
  CONSISTENCY_CHECK_FAILED,
  /** A share from a peer could not be decrypted or checked, and the policy is to abort (C1). */
  BAD_SHARE,
  /** Two different messages for the same (session, sender, stage) (D11). */
  CONFLICTING_DUPLICATE,
  /** The coordinator could not rebuild a self-mask seed or mask key from the shares (C2, C3). */
  CANNOT_RECONSTRUCT,
  /** After unmasking, the sum is outside the range honest inputs can produce: masks did not cancel (C7). */
  MASKS_DID_NOT_CANCEL,
  /** The total example-count weight of the survivors is zero (A7). */
  ZERO_TOTAL_WEIGHT,
  /** The caller or the transport aborted the session (a restart, a cancelled round; O1, O2). */
  CANCELLED
}
