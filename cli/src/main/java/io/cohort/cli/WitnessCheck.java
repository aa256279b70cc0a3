package io.cohort.cli;

import io.cohort.crypto.witness.AuditHeadWitness;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks the coordinator's audit log against a node's witness file (issue 22 #7): every head the
 * node holds (its newest and any evidence kept from conflicts) must carry a valid signature of the
 * coordinator's key and still be in the log, at its sequence number and with its hash. A log cut
 * back and re-anchored (rows deleted and {@code audit.head} rewritten together) verifies on its
 * own; it cannot contain a head it no longer has.
 */
final class WitnessCheck {
  /** The chain hash of the log's entry {@code seq}, or empty when the log has no such entry. */
  @FunctionalInterface
  interface EntryHashes {
    Optional<String> hashAt(long seq) throws Exception;
  }

  /** @param problems one line each, empty when the log holds every witnessed head */
  record Result(List<String> problems, String summary) {
    boolean ok() {
      return problems.isEmpty();
    }
  }

  private WitnessCheck() {}

  /**
   * @param pinned the pinned provenance fingerprint ({@code sha256:...}), or null when none is pinned
   * @param logHeadSeq the newest entry of the log as verified (for the message)
   */
  static Result check(AuditHeadWitness witness, String pinned, EntryHashes log, long logHeadSeq) throws Exception {
    List<AuditHeadWitness.Seen> heads = witness.headsToCheck();
    String file = witness.file().toString();
    if (heads.isEmpty()) {
      return new Result(List.of(file + " holds no witnessed audit head yet"), "");
    }
    List<String> problems = new ArrayList<>();
    for (AuditHeadWitness.Seen s : heads) {
      var h = s.head();
      String what = "the node witnessed entry " + h.seq() + " (hash " + h.entryHash() + ", seen " + s.seenAt() + ")";
      if (!h.verifies()) {
        problems.add(file + ": " + what + " but its signature does not verify: the witness file was altered");
        continue;
      }
      if (pinned != null && !pinned.equals(h.signerFingerprint())) {
        problems.add(file + ": " + what + " signed by key " + h.signerFingerprint() + ", not by the pinned coordinator"
            + " key " + pinned);
        continue;
      }
      if (h.seq() == 0) {
        continue; // the empty log's head is in every log
      }
      Optional<String> hash = log.hashAt(h.seq());
      if (hash.isEmpty()) {
        problems.add("the log ends at entry " + logHeadSeq + " but " + what + ": its newest entries were cut (and"
            + " audit.head rewritten to match)");
      } else if (!hash.get().equals(h.entryHash())) {
        problems.add("the log's entry " + h.seq() + " has hash " + hash.get() + " but " + what
            + ": the log was rewritten from that entry on");
      }
    }
    var newest = heads.get(heads.size() - 1).head();
    return new Result(problems, "witnessed head entry " + newest.seq() + " " + newest.entryHash().substring(0, 16)
        + "… (signed by " + newest.signerFingerprint() + (pinned == null ? ", not pinned" : ", pinned") + ") is in the"
        + " log" + (heads.size() > 1 ? ", and " + (heads.size() - 1) + " earlier evidence heads" : ""));
  }
}
