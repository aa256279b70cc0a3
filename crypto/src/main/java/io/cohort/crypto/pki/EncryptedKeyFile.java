package io.cohort.crypto.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The offline federation CA's private key on disk (issue 21 #1): PKCS#8 {@code ENCRYPTED PRIVATE
 * KEY} PEM, PBES2 with PBKDF2-HMAC-SHA256 (210,000 iterations, random salt) and AES-256-CBC, as
 * OpenSSL writes and reads it ({@code openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256}).
 * A copy of the file without the passphrase does not give the key.
 */
public final class EncryptedKeyFile {
  public static final String PEM_TYPE = "ENCRYPTED PRIVATE KEY";
  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about a tenth of a second per try here. */
  static final int ITERATIONS = 210_000;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** BouncyCastle's provider for PKCS#7 padding, passed per call rather than registered JVM-wide. */
  private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

  private EncryptedKeyFile() {
  }

  /** Whether {@code file} holds an encrypted key (else, presumably, a plain {@code PRIVATE KEY}). */
  public static boolean isEncrypted(Path file) throws IOException {
    return java.nio.file.Files.readString(file, StandardCharsets.US_ASCII).contains("-----BEGIN " + PEM_TYPE + "-----");
  }

  /** Writes {@code key} encrypted under {@code passphrase} to {@code file}, mode 0600. */
  static void write(Path file, PrivateKey key, char[] passphrase) throws PkiException, IOException {
    if (passphrase == null || passphrase.length < 8) {
      throw new PkiException("the CA passphrase must have at least 8 characters");
    }
    try {
      var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(BC).setRandom(RANDOM)
          .setPRF(PKCS8Generator.PRF_HMACSHA256).setIterationCount(ITERATIONS).setPassword(passphrase).build();
      byte[] der = new JcaPKCS8Generator(key, encryptor).generate().getContent();
      Pem.writeSecret(file, Pem.encode(PEM_TYPE, der).getBytes(StandardCharsets.US_ASCII));
    } catch (OperatorCreationException e) {
      throw new PkiException("cannot encrypt the CA key: " + e.getMessage(), e);
    }
  }

  /** Reads and decrypts the Ed25519 key in {@code file}. */
  static PrivateKey read(Path file, char[] passphrase) throws PkiException {
    byte[] der = Pem.readOne(file, PEM_TYPE);
    try {
      PrivateKeyInfo info = new PKCS8EncryptedPrivateKeyInfo(der)
          .decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(passphrase));
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (PKCSException e) {
      throw new PkiException(file + ": wrong CA passphrase (or a damaged key file)");
    } catch (OperatorCreationException | GeneralSecurityException | IOException e) {
      throw new PkiException(file + ": not an encrypted Ed25519 private key (PKCS#8 PEM): " + e.getMessage());
    }
  }
}
