package io.cohort.crypto.keys;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A node's long-term Ed25519 identity key pair (RFC 8032). Keys are generated and stored through the
 * JDK's provider (PKCS#8 DER on disk); signatures are made with BouncyCastle's RFC 8032 code, which
 * is about ten times faster than the JDK's here and gives the same bytes (Ed25519 signatures are
 * deterministic), so a node's setup at n = 50 fits its budget (docs/benchmarks.md).
 *
 * <p>Security guarantees: generated from {@link SecureRandom}; the private key never appears in
 * {@code toString}, logs or any public accessor; on disk it is PKCS#8 DER in a file created with
 * owner-only permissions (0600). Signatures are deterministic per RFC 8032.
 */
public final class IdentityKeyPair {
  public static final int SIGNATURE_BYTES = 64;
  private final PrivateKey privateKey;
  /** The RFC 8032 private key (32-byte seed) that BouncyCastle signs with. */
  private final byte[] seed;
  private final byte[] publicRaw;
  private final IdentityPublicKey publicKey;

  private IdentityKeyPair(PrivateKey privateKey, IdentityPublicKey publicKey) {
    this.privateKey = privateKey;
    this.seed = ((java.security.interfaces.EdECPrivateKey) privateKey).getBytes()
        .orElseThrow(() -> new IllegalStateException("Ed25519 private key bytes unavailable"));
    this.publicKey = publicKey;
    this.publicRaw = publicKey.raw();
    byte[] derived = new byte[Ed25519.PUBLIC_KEY_SIZE];
    Ed25519.generatePublicKey(seed, 0, derived, 0);
    if (!java.util.Arrays.equals(derived, publicRaw)) {
      throw new IllegalStateException("Ed25519 public key does not match its private key");
    }
  }

  public static IdentityKeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      return new IdentityKeyPair(kp.getPrivate(), IdentityPublicKey.fromJdk(kp.getPublic()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides Ed25519 since Java 15", e);
    }
  }

  /**
   * Loads the key pair stored at {@code file}, or creates and stores a new one (0600) when the
   * file does not exist.
   */
  public static IdentityKeyPair loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      IdentityKeyPair kp = generate();
      // The node's data directory (key, ledgers, upload log) is created 0700 (issue 22 #8).
      OwnerOnly.createDirectories(file.toAbsolutePath().getParent());
      try {
        OwnerOnly.createFile(file);
        Files.write(file, kp.privateKey.getEncoded());
        return kp;
      } catch (FileAlreadyExistsException raced) {
        // created concurrently: load it below
      }
    }
    byte[] der = Files.readAllBytes(file);
    try {
      PrivateKey pk = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
      return new IdentityKeyPair(pk, publicFrom(pk));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " does not hold an Ed25519 private key (PKCS#8 DER)", e);
    }
  }

  /** The RFC 8032 public key of a stored private key (the JDK has no private-to-public call). */
  private static IdentityPublicKey publicFrom(PrivateKey pk) throws GeneralSecurityException {
    byte[] seed = ((java.security.interfaces.EdECPrivateKey) pk).getBytes()
        .orElseThrow(() -> new GeneralSecurityException("private key bytes unavailable"));
    byte[] pub = new byte[Ed25519.PUBLIC_KEY_SIZE];
    Ed25519.generatePublicKey(seed, 0, pub, 0);
    return IdentityPublicKey.fromRaw(pub);
  }

  public IdentityPublicKey publicKey() {
    return publicKey;
  }

  /** The Ed25519 signature (64 bytes) over {@code message}. */
  public byte[] sign(byte[] message) {
    byte[] sig = new byte[SIGNATURE_BYTES];
    Ed25519.sign(seed, 0, publicRaw, 0, message, 0, message.length, sig, 0);
    return sig;
  }

  @Override
  public String toString() {
    return "IdentityKeyPair[public=" + publicKey.hex() + "]";
  }
}
