package io.cohort.crypto.pki;

import io.cohort.crypto.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * JDK TLS material built from the PKI: key managers for a node's certificate, trust managers
 * for the federation CA, and PKCS#12 stores for servers that read files (the coordinator).
 *
 * <p>Security guarantees: a node's key manager holds only the node's own identity key and a
 * chain whose leaf certifies exactly that key; trust managers trust exactly one CA.
 */
public final class TlsMaterial {
  private TlsMaterial() {}

  /** Key managers presenting {@code chain} (leaf first) with the node's identity key. */
  public static KeyManager[] nodeKeyManagers(NodeKey key, List<X509Certificate> chain) throws PkiException {
    if (chain.isEmpty() || !Arrays.equals(chain.get(0).getPublicKey().getEncoded(), key.keyPair().getPublic().getEncoded())) {
      throw new PkiException("the node certificate does not certify this node's identity key (was it issued for another"
          + " node or before the key was replaced?)");
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] pw = new char[0];
      ks.setKeyEntry("node", key.keyPair().getPrivate(), pw, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(ks, pw);
      return f.getKeyManagers();
    } catch (GeneralSecurityException | IOException e) {
      throw new PkiException("cannot build the node's TLS key manager: " + e.getMessage(), e);
    }
  }

  /** Trust managers that trust exactly {@code ca}. */
  public static TrustManager[] trusting(X509Certificate ca) throws PkiException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("federation-ca", ca);
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(ks);
      return f.getTrustManagers();
    } catch (GeneralSecurityException | IOException e) {
      throw new PkiException("cannot build the TLS trust manager: " + e.getMessage(), e);
    }
  }

  /**
   * For enrolment, before the node has the CA file: trusts a server whose chain ends in a CA
   * certificate with SHA-256 fingerprint {@code caFingerprint} (as printed by {@code cohort pki
   * init}) and whose leaf that CA signed. The pin arrives out of band, inside the one-time token.
   */
  public static X509TrustManager pinnedCa(String caFingerprint) {
    String pin = caFingerprint.toLowerCase(java.util.Locale.ROOT).replace(":", "");
    return new X509TrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length < 2) {
          throw new CertificateException("the coordinator did not send its CA certificate in its chain");
        }
        X509Certificate ca = chain[chain.length - 1];
        if (!CertificateValidator.fingerprint(ca).equals(pin)) {
          throw new CertificateException("the coordinator's CA has fingerprint " + CertificateValidator.fingerprint(ca)
              + ", not the pinned " + pin);
        }
        try {
          chain[0].verify(ca.getPublicKey());
          chain[0].checkValidity();
        } catch (GeneralSecurityException e) {
          throw new CertificateException("the coordinator's certificate is not valid under the pinned CA: " + e.getMessage());
        }
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client side only");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }

  /** Writes a PKCS#12 key store with one key entry, created 0600. */
  static void writeKeyStore(Path file, char[] password, PrivateKey key, List<X509Certificate> chain)
      throws GeneralSecurityException, IOException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", key, password, chain.toArray(new X509Certificate[0]));
    Pem.writeSecret(file, store(ks, password));
  }

  /**
   * Writes the coordinator's PKCS#12 key store (0600) from its own key (made on the coordinator) and
   * the chain the offline CA issued for it (issue 21 #1); the chain's leaf must certify that key.
   */
  public static void writeServerKeyStore(Path file, char[] password, NodeKey key, List<X509Certificate> chain)
      throws PkiException, IOException {
    if (!java.util.Arrays.equals(chain.get(0).getPublicKey().getEncoded(), key.keyPair().getPublic().getEncoded())) {
      throw new PkiException("the certificate " + chain.get(0).getSubjectX500Principal().getName() + " does not certify"
          + " this coordinator's key (was it issued for another request?)");
    }
    try {
      writeKeyStore(file, password, key.keyPair().getPrivate(), chain);
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot write the key store " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes a PKCS#12 trust store holding only {@code ca} (public; the password only guards integrity). */
  public static void writeTrustStore(Path file, char[] password, X509Certificate ca) throws PkiException, IOException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("federation-ca", ca);
      Pem.writePublic(file, store(ks, password));
    } catch (GeneralSecurityException e) {
      throw new PkiException("cannot write the trust store " + file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] store(KeyStore ks, char[] password) throws GeneralSecurityException, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ks.store(out, password);
    return out.toByteArray();
  }

  /** SHA-256 fingerprint (hex) of a certificate, as used for pins. */
  public static String fingerprint(X509Certificate cert) {
    return CertificateValidator.fingerprint(cert);
  }

  static String sha256(byte[] b) {
    return Digests.sha256Hex(b);
  }
}
