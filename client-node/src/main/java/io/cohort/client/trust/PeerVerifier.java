package io.cohort.client.trust;

import io.cohort.client.config.NodeConfig;
import io.cohort.crypto.keys.IdentityPublicKey;
import io.cohort.crypto.pki.CertificateValidator;
import io.cohort.crypto.pki.NodeCertificate;
import io.cohort.crypto.pki.Pem;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.RevocationList;
import io.cohort.proto.v1.SecAggPeer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Checks, on the node and before any key agreement, every peer the coordinator put in a secure
 * round (issue 21 #2, #3): its certificate must be issued by the federation CA this node trusts
 * (its own {@code ca_certificate}, never one the coordinator sends), valid now, not revoked, name the
 * peer's node id as its CN and certify exactly the identity key relayed for it. With a roster, the
 * other participants must include at least {@code min_distinct_members} distinct pinned members.
 *
 * <p>Revocation: the coordinator relays the CA's CRL with each round; it is used only if its
 * signature verifies under the node's CA, and the node keeps the newest list it has seen (by its
 * thisUpdate), also across restarts ({@link #crlFileFor}), so a coordinator can hand a newer list
 * but cannot bring back a revoked peer by relaying an older one or none. Known limit: until the node first sees a list naming a revoked
 * certificate, it cannot know of the revocation.
 *
 * <p>In plaintext development mode no certificate travels and none can be checked:
 * peers are then taken as relayed, with a warning, and a configured roster floor refuses every round.
 *
 * <p>Security guarantees: no secure round proceeds with a peer whose certificate fails any check
 * above; the exception names the peer. Thread-safe.
 */
public final class PeerVerifier {
  private static final Logger LOG = Logger.getLogger(PeerVerifier.class.getName());
  private final Optional<CertificateValidator> validator;
  private final MemberRoster roster;
  private final Clock clock;
  private final Optional<Path> crlFile;
  private RevocationList newestCrl;
  private boolean warned;

  PeerVerifier(Optional<X509Certificate> ca, MemberRoster roster, Clock clock) {
    this(ca, roster, clock, Optional.empty());
  }

  /**
   * @param crlFile where the newest CRL seen is kept across restarts (DER), so that a restarted node
   *     still knows of a revocation; read now when present and valid
   */
  PeerVerifier(Optional<X509Certificate> ca, MemberRoster roster, Clock clock, Optional<Path> crlFile) {
    this.validator = ca.map(CertificateValidator::new);
    this.roster = roster;
    this.clock = clock;
    this.crlFile = crlFile;
    if (validator.isPresent() && crlFile.isPresent() && Files.isRegularFile(crlFile.get())) {
      try {
        newestCrl = RevocationList.verified(Files.readAllBytes(crlFile.get()), validator.get().ca());
      } catch (PkiException | IOException e) {
        LOG.warning("the kept revocation list " + crlFile.get() + " is not usable (" + e.getMessage()
            + "); waiting for the next one the coordinator relays");
      }
    }
  }

  /** Where a node keeps the newest CRL it has seen: {@code <node_id>.newest-crl.der} beside its identity key. */
  public static Path crlFileFor(NodeConfig config) {
    return config.identityKey().resolveSibling(config.nodeId() + ".newest-crl.der");
  }

  /** The verifier {@code config} describes; its CA certificate file is read now when present. */
  public static PeerVerifier forConfig(NodeConfig config, Clock clock) {
    Optional<X509Certificate> ca = Optional.empty();
    if (config.plaintext()) {
      // Development mode: no certificates travel, so none can be checked (warned at the first round).
    } else if (Files.isRegularFile(config.caCertificate())) {
      try {
        ca = Optional.of(Pem.readCertificates(config.caCertificate()).get(0));
      } catch (PkiException e) {
        throw new IllegalStateException(config.caCertificate() + ": " + e.getMessage(), e);
      }
    } else {
      throw new IllegalStateException(config.caCertificate() + ": no such file; the node needs the federation CA"
          + " certificate to check its peers");
    }
    return new PeerVerifier(ca, new MemberRoster(config.trust().members(), config.trust().minDistinctMembers()),
        clock, Optional.of(crlFileFor(config)));
  }

  /**
   * Checks every peer but {@code selfId}.
   *
   * @param crlDer the CRL relayed with the round (may be empty)
   * @throws PeerRefusedException naming the first bad peer, or the shortfall of distinct members
   */
  public synchronized void verify(List<SecAggPeer> peers, int selfId, byte[] crlDer) throws PeerRefusedException {
    if (validator.isEmpty()) {
      if (roster.floor() > 0) {
        throw new PeerRefusedException("trust.min_distinct_members is " + roster.floor() + " but this node has no"
            + " federation CA certificate to check members with (plaintext development mode)");
      }
      if (!warned) {
        LOG.warning("no federation CA certificate: secure-round peers are taken as the coordinator relays them"
            + " (development mode only; a malicious coordinator could invent peers)");
        warned = true;
      }
      return;
    }
    updateCrl(crlDer);
    TreeSet<String> members = new TreeSet<>();
    int others = 0;
    for (SecAggPeer p : peers) {
      if (p.getSecaggId() == selfId) {
        continue;
      }
      others++;
      NodeCertificate c = check(p);
      if (roster.isMember(c)) {
        members.add(c.nodeId());
      }
    }
    if (members.size() < roster.floor()) {
      throw new PeerRefusedException("only " + members.size() + " of the round's " + others + " other participants"
          + " are distinct pinned members " + members + ", this node requires trust.min_distinct_members = "
          + roster.floor() + "; refusing the round so that its update is never summed with too few known members");
    }
  }

  private NodeCertificate check(SecAggPeer p) throws PeerRefusedException {
    String who = "peer '" + p.getNodeId() + "' (protocol id " + p.getSecaggId() + ")";
    if (p.getCertificateDer().isEmpty()) {
      throw new PeerRefusedException(who + ": the coordinator relayed no certificate for it; refusing the round");
    }
    NodeCertificate c;
    try {
      X509Certificate x = Pem.certificate(p.getCertificateDer().toByteArray(), "the certificate of " + who);
      RevocationList crl = newestCrl;
      c = validator.get().validateNode(List.of(x), clock.instant(), s -> crl != null && crl.isRevoked(s));
    } catch (PkiException e) {
      throw new PeerRefusedException(who + ": " + e.getMessage() + "; refusing the round");
    }
    if (!c.nodeId().equals(p.getNodeId())) {
      throw new PeerRefusedException(who + ": its certificate names node '" + c.nodeId() + "'; refusing the round");
    }
    IdentityPublicKey relayed;
    try {
      relayed = IdentityPublicKey.fromRaw(p.getIdentityKeyEd25519().toByteArray());
    } catch (IllegalArgumentException e) {
      throw new PeerRefusedException(who + ": the relayed identity key is malformed; refusing the round");
    }
    if (!c.identityKey().equals(relayed)) {
      throw new PeerRefusedException(who + ": the identity key the coordinator relayed is not the key its certificate"
          + " certifies; refusing the round");
    }
    return c;
  }

  private void updateCrl(byte[] der) throws PeerRefusedException {
    if (der.length == 0) {
      return;
    }
    RevocationList relayed;
    try {
      relayed = RevocationList.verified(der, validator.get().ca());
    } catch (PkiException e) {
      throw new PeerRefusedException("the revocation list relayed with the round does not verify: " + e.getMessage()
          + "; refusing the round");
    }
    if (newestCrl == null || relayed.thisUpdate().isAfter(newestCrl.thisUpdate())) {
      newestCrl = relayed;
      if (crlFile.isPresent()) {
        try {
          io.cohort.crypto.keys.OwnerOnly.replaceDurably(crlFile.get(), relayed.der());
        } catch (IOException e) {
          LOG.warning("cannot keep the newest revocation list in " + crlFile.get() + ": " + e.getMessage());
        }
      }
    } else if (relayed.thisUpdate().isBefore(newestCrl.thisUpdate())) {
      LOG.warning("the coordinator relayed a revocation list older than one this node has seen; keeping the newer one");
    }
  }
}
