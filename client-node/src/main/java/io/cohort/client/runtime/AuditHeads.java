package io.cohort.client.runtime;

import io.cohort.client.config.NodeConfig;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.witness.AuditHeadWitness;
import io.cohort.crypto.witness.SignedAuditHead;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's witness of the coordinator's audit log (issue 22 #7): each heartbeat reply's signed
 * head goes through {@link AuditHeadWitness}, which keeps the newest in
 * {@code <node-id>.audit-head} beside the identity key (0600) and records a head that goes
 * backwards; such a conflict is logged as SEVERE once and shown by {@code cohort-node status}.
 */
public final class AuditHeads {
  private static final Logger LOG = Logger.getLogger(AuditHeads.class.getName());
  private final AuditHeadWitness witness;

  private AuditHeads(AuditHeadWitness witness) {
    this.witness = witness;
  }

  /** Where the node keeps its witness. */
  public static Path pathFor(NodeConfig config) {
    return config.identityKey().toAbsolutePath().resolveSibling(config.nodeId() + ".audit-head");
  }

  /** Opens the node's witness file; an unreadable one stops the node (it must not start over silently). */
  public static AuditHeads open(NodeConfig config) {
    Path file = pathFor(config);
    try {
      return new AuditHeads(AuditHeadWitness.open(file));
    } catch (IOException e) {
      throw new IllegalStateException(e.getMessage() + "; restore it from a backup (deleting it forgets the"
          + " coordinator audit head this node witnessed)", e);
    }
  }

  /** The wire form as the domain record; IllegalArgumentException when malformed. */
  static SignedAuditHead fromProto(io.cohort.proto.v1.SignedAuditHead p) {
    return new SignedAuditHead(p.getSeq(), p.getEntryHash(),
        IdentityPublicKey.fromRaw(p.getSignerPublicKey().toByteArray()), p.getSignature().toByteArray());
  }

  /** Witnesses a head received with a heartbeat reply. */
  void observe(io.cohort.proto.v1.SignedAuditHead received) {
    SignedAuditHead head;
    try {
      head = fromProto(received);
    } catch (IllegalArgumentException e) {
      LOG.severe("the coordinator sent a malformed audit head (" + e.getMessage() + "); not witnessed");
      return;
    }
    try {
      AuditHeadWitness.Observation o = witness.observe(head, Instant.now());
      if (o.outcome().conflict()) {
        if (o.repeated()) {
          LOG.fine(() -> "audit head conflict persists: " + o.message());
        } else {
          LOG.severe("AUDIT HEAD CONFLICT: " + o.message() + " (recorded in " + witness.file()
              + "; `cohort audit verify --witness` with that file checks the coordinator's log)");
        }
      } else {
        Level level = o.outcome() == AuditHeadWitness.Outcome.FIRST ? Level.INFO : Level.FINE;
        LOG.log(level, o.message());
      }
    } catch (IOException e) {
      LOG.warning("cannot update the audit witness " + witness.file() + ": " + e.getMessage());
    }
  }
}
