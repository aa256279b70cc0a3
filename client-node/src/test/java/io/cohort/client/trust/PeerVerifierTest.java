package io.cohort.client.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.crypto.pki.CertificationRequest;
import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.NodeKey;
import io.cohort.proto.v1.SecAggPeer;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21 #2, #3: the node's own checks of the peers a coordinator relays, before any key agreement. */
class PeerVerifierTest {
  @TempDir Path dir;
  private FederationCa ca;
  private final List<NodeKey> keys = new ArrayList<>();
  private final List<X509Certificate> certs = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    ca = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    for (String id : List.of("self", "hospital-b", "bank-c")) {
      NodeKey k = NodeKey.loadOrCreate(dir.resolve(id + ".key"));
      keys.add(k);
      certs.add(ca.issueNode(CertificationRequest.create(id, k), id, Duration.ofDays(1)));
    }
  }

  private PeerVerifier verifier(List<String> members, int floor) {
    return new PeerVerifier(Optional.of(ca.certificate()), new MemberRoster(members, floor), Clock.systemUTC());
  }

  private static SecAggPeer peer(int id, String nodeId, NodeKey key, X509Certificate cert) throws Exception {
    SecAggPeer.Builder b = SecAggPeer.newBuilder().setSecaggId(id).setNodeId(nodeId)
        .setIdentityKeyEd25519(ByteString.copyFrom(key.publicKey().raw()));
    if (cert != null) {
      b.setCertificateDer(ByteString.copyFrom(cert.getEncoded()));
    }
    return b.build();
  }

  private List<SecAggPeer> honest() throws Exception {
    return List.of(peer(1, "self", keys.get(0), certs.get(0)), peer(2, "hospital-b", keys.get(1), certs.get(1)),
        peer(3, "bank-c", keys.get(2), certs.get(2)));
  }

  @Test
  void peersCertifiedByTheFederationCa_pass() throws Exception {
    assertThatCode(() -> verifier(List.of(), 0).verify(honest(), 1, new byte[0])).doesNotThrowAnyException();
  }

  @Test
  void sybilCertifiedByAnotherCa_isRefusedByName() throws Exception {
    FederationCa rogue = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    NodeKey sybil = NodeKey.loadOrCreate(dir.resolve("sybil.key"));
    X509Certificate forged = rogue.issueNode(CertificationRequest.create("sybil-1", sybil), "sybil-1",
        Duration.ofDays(1));
    List<SecAggPeer> peers = new ArrayList<>(honest());
    peers.add(peer(4, "sybil-1", sybil, forged));
    assertThatThrownBy(() -> verifier(List.of(), 0).verify(peers, 1, new byte[0]))
        .isInstanceOf(PeerRefusedException.class)
        .hasMessageContaining("peer 'sybil-1' (protocol id 4)").hasMessageContaining("not signed by this federation's CA");
  }

  @Test
  void relayedKeyOtherThanTheCertifiedOne_isRefused() throws Exception {
    List<SecAggPeer> peers = new ArrayList<>(honest());
    peers.set(1, peer(2, "hospital-b", keys.get(2), certs.get(1))); // bank-c's key under hospital-b's certificate
    assertThatThrownBy(() -> verifier(List.of(), 0).verify(peers, 1, new byte[0]))
        .isInstanceOf(PeerRefusedException.class).hasMessageContaining("peer 'hospital-b'")
        .hasMessageContaining("not the key its certificate certifies");
  }

  @Test
  void missingCertificate_orAnotherNodesCertificate_isRefused() throws Exception {
    List<SecAggPeer> none = new ArrayList<>(honest());
    none.set(2, peer(3, "bank-c", keys.get(2), null));
    assertThatThrownBy(() -> verifier(List.of(), 0).verify(none, 1, new byte[0]))
        .hasMessageContaining("peer 'bank-c'").hasMessageContaining("relayed no certificate");
    List<SecAggPeer> swapped = new ArrayList<>(honest());
    swapped.set(2, peer(3, "bank-c", keys.get(1), certs.get(1)));
    assertThatThrownBy(() -> verifier(List.of(), 0).verify(swapped, 1, new byte[0]))
        .hasMessageContaining("its certificate names node 'hospital-b'");
  }

  @Test
  void revokedPeer_isRefused_andAnOlderRelayedListCannotBringItBack() throws Exception {
    BigInteger revoked = certs.get(2).getSerialNumber();
    byte[] older = ca.revocationList(List.of(), BigInteger.ONE, Duration.ofHours(1)).der();
    Thread.sleep(1_100); // a CRL's thisUpdate has one-second resolution
    byte[] newer = ca.revocationList(List.of(revoked), BigInteger.TWO, Duration.ofHours(1)).der();
    PeerVerifier v = verifier(List.of(), 0);
    assertThatThrownBy(() -> v.verify(honest(), 1, newer)).hasMessageContaining("peer 'bank-c'")
        .hasMessageContaining("is revoked");
    // Later the coordinator relays nothing, or the empty list signed before: the newest list still holds.
    assertThatThrownBy(() -> v.verify(honest(), 1, new byte[0])).hasMessageContaining("is revoked");
    assertThatThrownBy(() -> v.verify(honest(), 1, older)).hasMessageContaining("is revoked");
  }

  @Test
  void theNewestListIsKeptAcrossARestart() throws Exception {
    byte[] revoking = ca.revocationList(List.of(certs.get(1).getSerialNumber()), BigInteger.ONE, Duration.ofHours(1))
        .der();
    Path kept = dir.resolve("self.newest-crl.der");
    PeerVerifier before = new PeerVerifier(Optional.of(ca.certificate()), new MemberRoster(List.of(), 0),
        Clock.systemUTC(), Optional.of(kept));
    assertThatThrownBy(() -> before.verify(honest(), 1, revoking)).hasMessageContaining("peer 'hospital-b'");
    PeerVerifier after = new PeerVerifier(Optional.of(ca.certificate()), new MemberRoster(List.of(), 0),
        Clock.systemUTC(), Optional.of(kept));
    assertThatThrownBy(() -> after.verify(honest(), 1, new byte[0])).as("restarted, nothing relayed")
        .hasMessageContaining("peer 'hospital-b'").hasMessageContaining("is revoked");
  }

  @Test
  void crlNotSignedByTheFederationCa_isRefused() throws Exception {
    FederationCa rogue = FederationCa.create("federation", Duration.ofDays(30), Clock.systemUTC());
    byte[] forged = rogue.revocationList(List.of(), BigInteger.ONE, Duration.ofHours(1)).der();
    assertThatThrownBy(() -> verifier(List.of(), 0).verify(honest(), 1, forged))
        .hasMessageContaining("revocation list relayed with the round does not verify");
  }

  @Test
  void rosterFloor_countsDistinctPinnedMembersAmongTheOthers() throws Exception {
    String bankFingerprint = io.cohort.crypto.pki.TlsMaterial.fingerprint(certs.get(2));
    List<String> roster = List.of("CN=hospital-b", bankFingerprint.toUpperCase(java.util.Locale.ROOT));
    assertThatCode(() -> verifier(roster, 2).verify(honest(), 1, new byte[0])).doesNotThrowAnyException();
    // The coordinator drops bank-c and fills the round with a validly certified stranger.
    NodeKey stranger = NodeKey.loadOrCreate(dir.resolve("stranger.key"));
    X509Certificate sc = ca.issueNode(CertificationRequest.create("stranger", stranger), "stranger", Duration.ofDays(1));
    List<SecAggPeer> peers = List.of(peer(1, "self", keys.get(0), certs.get(0)),
        peer(2, "hospital-b", keys.get(1), certs.get(1)), peer(3, "stranger", stranger, sc));
    assertThatThrownBy(() -> verifier(roster, 2).verify(peers, 1, new byte[0]))
        .isInstanceOf(PeerRefusedException.class)
        .hasMessageContaining("only 1 of the round's 2 other participants are distinct pinned members [hospital-b]")
        .hasMessageContaining("trust.min_distinct_members = 2");
  }

  @Test
  void developmentModeWithoutCa_passesPeersButNotARosterFloor() throws Exception {
    PeerVerifier dev = new PeerVerifier(Optional.empty(), new MemberRoster(List.of(), 0), Clock.systemUTC());
    assertThatCode(() -> dev.verify(honest(), 1, new byte[0])).doesNotThrowAnyException();
    PeerVerifier floor = new PeerVerifier(Optional.empty(), new MemberRoster(List.of("hospital-b"), 1),
        Clock.systemUTC());
    assertThatThrownBy(() -> floor.verify(honest(), 1, new byte[0])).hasMessageContaining("no federation CA");
    assertThat(new MemberRoster(List.of("x"), 1).floor()).isEqualTo(1);
  }
}
