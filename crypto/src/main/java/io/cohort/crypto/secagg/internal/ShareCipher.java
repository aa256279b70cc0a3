package io.cohort.crypto.secagg.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM (NIST SP 800-38D) for the encrypted shares that the coordinator relays between nodes.
 * Wire form: 12-byte random nonce, ciphertext, 16-byte tag. Each key encrypts at most two messages
 * (one per direction), so random 96-bit nonces are far from any collision bound.
 *
 * <p>Security guarantees: confidentiality and integrity of the plaintext and of the associated
 * data (session, round, sender, recipient), so a share moved to another recipient, session or
 * round fails to decrypt (docs/secagg-scenarios.md C1, S4, S8).
 */
public final class ShareCipher {
  public static final int NONCE_SIZE_BYTES = 12;
  public static final int TAG_SIZE_BYTES = 16;

  private ShareCipher() {}

  public static byte[] encrypt(SecretBytes key, byte[] aad, byte[] plaintext, SecureRandom random)
      throws GeneralSecurityException {
    byte[] nonce = new byte[NONCE_SIZE_BYTES];
    random.nextBytes(nonce);
    Cipher c = init(Cipher.ENCRYPT_MODE, key, nonce);
    c.updateAAD(aad);
    byte[] ct = c.doFinal(plaintext);
    byte[] out = new byte[NONCE_SIZE_BYTES + ct.length];
    System.arraycopy(nonce, 0, out, 0, NONCE_SIZE_BYTES);
    System.arraycopy(ct, 0, out, NONCE_SIZE_BYTES, ct.length);
    return out;
  }

  /** Decrypts and authenticates; throws {@link javax.crypto.AEADBadTagException} on any tampering. */
  public static byte[] decrypt(SecretBytes key, byte[] aad, byte[] ciphertext) throws GeneralSecurityException {
    if (ciphertext.length < NONCE_SIZE_BYTES + TAG_SIZE_BYTES) {
      throw new GeneralSecurityException("share ciphertext too short: " + ciphertext.length + " bytes");
    }
    Cipher c = init(Cipher.DECRYPT_MODE, key, Arrays.copyOf(ciphertext, NONCE_SIZE_BYTES));
    c.updateAAD(aad);
    return c.doFinal(ciphertext, NONCE_SIZE_BYTES, ciphertext.length - NONCE_SIZE_BYTES);
  }

  private static Cipher init(int mode, SecretBytes key, byte[] nonce) throws GeneralSecurityException {
    byte[] k = key.revealCopy();
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, new SecretKeySpec(k, "AES"), new GCMParameterSpec(TAG_SIZE_BYTES * 8, nonce));
      return c;
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }
}
