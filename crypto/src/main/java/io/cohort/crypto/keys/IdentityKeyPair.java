package io.cohort.crypto.keys;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;

/**
 * A node's long-term Ed25519 identity key pair, from the JDK's provider (RFC 8032).
 *
 * <p>Security guarantees: generated from {@link SecureRandom}; the private key never appears in
 * {@code toString}, logs or any public accessor; on disk it is PKCS#8 DER in a file created with
 * owner-only permissions (0600). Signatures are deterministic per RFC 8032.
 */
public final class IdentityKeyPair {
  public static final int SIGNATURE_BYTES = 64;
  private final PrivateKey privateKey;
  private final IdentityPublicKey publicKey;

  private IdentityKeyPair(PrivateKey privateKey, IdentityPublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
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
      Files.createDirectories(file.toAbsolutePath().getParent());
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
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

  /** Derives the public key by signing nothing: the JDK has no direct private-to-public call. */
  private static IdentityPublicKey publicFrom(PrivateKey pk) throws GeneralSecurityException {
    // RFC 8032: the public key is a function of the seed; recompute it via a deterministic keygen
    // seeded with the private scalar seed bytes.
    byte[] seed = ((java.security.interfaces.EdECPrivateKey) pk).getBytes()
        .orElseThrow(() -> new GeneralSecurityException("private key bytes unavailable"));
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    g.initialize(NamedEd25519.SPEC, new FixedSeed(seed));
    return IdentityPublicKey.fromJdk(g.generateKeyPair().getPublic());
  }

  public IdentityPublicKey publicKey() {
    return publicKey;
  }

  /** The Ed25519 signature (64 bytes) over {@code message}. */
  public byte[] sign(byte[] message) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  @Override
  public String toString() {
    return "IdentityKeyPair[public=" + publicKey.hex() + "]";
  }

  private static final class NamedEd25519 {
    static final java.security.spec.NamedParameterSpec SPEC = java.security.spec.NamedParameterSpec.ED25519;
  }

  /** Feeds a fixed 32-byte seed to the JDK's key generator, to re-derive a stored key's public half. */
  private static final class FixedSeed extends SecureRandom {
    private final byte[] seed;

    FixedSeed(byte[] seed) {
      this.seed = seed.clone();
    }

    @Override
    public void nextBytes(byte[] bytes) {
      System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
    }
  }
}
