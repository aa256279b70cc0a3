package io.cohort.client.trust;

import io.cohort.crypto.pki.NodeCertificate;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The federation members a node pins in node.yaml ({@code trust.members}) and the floor of distinct
 * members it requires among a secure round's other participants ({@code trust.min_distinct_members}).
 * A member is named by its certificate's SHA-256 fingerprint (so a re-issued certificate must be
 * pinned again) or by subject name ({@code CN=hospital-b}, or just {@code hospital-b}; any
 * certificate the federation CA issues for that name counts, so the CA must be kept off the
 * coordinator for a name pin to hold against Sybils, issue 21 #1).
 */
public final class MemberRoster {
  private final Set<String> fingerprints = new HashSet<>();
  private final Set<String> names = new HashSet<>();
  private final int floor;

  public MemberRoster(List<String> members, int minDistinctMembers) {
    for (String m : members) {
      String hex = m.replace(":", "").toLowerCase(Locale.ROOT);
      if (hex.matches("[0-9a-f]{64}")) {
        fingerprints.add(hex);
      } else {
        names.add(m.startsWith("CN=") ? m.substring(3) : m);
      }
    }
    this.floor = minDistinctMembers;
  }

  public int floor() {
    return floor;
  }

  public boolean isEmpty() {
    return fingerprints.isEmpty() && names.isEmpty();
  }

  /** Whether {@code peer}'s validated certificate is a pinned member. */
  public boolean isMember(NodeCertificate peer) {
    return fingerprints.contains(peer.fingerprint()) || names.contains(peer.nodeId());
  }
}
