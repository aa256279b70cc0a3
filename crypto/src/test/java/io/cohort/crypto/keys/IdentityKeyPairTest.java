package io.cohort.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityKeyPairTest {
  @Test
  void rfc8032TestVector1_verifies() {
    // RFC 8032 section 7.1, TEST 1 (empty message)
    HexFormat hex = HexFormat.of();
    IdentityPublicKey pk = IdentityPublicKey.fromRaw(
        hex.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    byte[] sig = hex.parseHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assertThat(pk.verify(new byte[0], sig)).isTrue();
    sig[3] ^= 1;
    assertThat(pk.verify(new byte[0], sig)).isFalse();
  }

  @Test
  void signAndVerify_roundTrip_andRawEncodingIsStable() {
    IdentityKeyPair kp = IdentityKeyPair.generate();
    byte[] msg = "ledger entry".getBytes(StandardCharsets.UTF_8);
    byte[] sig = kp.sign(msg);
    assertThat(sig).hasSize(64);
    IdentityPublicKey parsed = IdentityPublicKey.fromRaw(kp.publicKey().raw());
    assertThat(parsed).isEqualTo(kp.publicKey());
    assertThat(parsed.verify(msg, sig)).isTrue();
    assertThat(parsed.verify("other".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
    assertThat(IdentityKeyPair.generate().publicKey().verify(msg, sig)).isFalse();
    assertThat(kp.toString()).doesNotContain(HexFormat.of().formatHex(sig));
  }

  @Test
  void storedKey_reloadsWithTheSamePublicKey_andOwnerOnlyPermissions(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("keys/identity.key");
    IdentityKeyPair created = IdentityKeyPair.loadOrCreate(f);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    IdentityKeyPair loaded = IdentityKeyPair.loadOrCreate(f);
    assertThat(loaded.publicKey()).isEqualTo(created.publicKey());
    byte[] msg = {1, 2, 3};
    assertThat(created.publicKey().verify(msg, loaded.sign(msg))).isTrue();
  }

  @Test
  void wrongLength_isRefused() {
    assertThatThrownBy(() -> IdentityPublicKey.fromRaw(new byte[31])).hasMessageContaining("32 bytes");
  }
}
