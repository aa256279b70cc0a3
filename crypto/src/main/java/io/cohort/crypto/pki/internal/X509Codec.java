package io.cohort.crypto.pki.internal;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Builds and parses X.509 certificates, PKCS#10 requests and CRLs with BouncyCastle, always
 * signing Ed25519 with the JDK's provider so that keys never leave JDK key objects.
 */
public final class X509Codec {
  private X509Codec() {}

  /** What a certificate is for; decides its key usage and extended key usage. */
  public enum Role { CA, NODE_CLIENT, SERVER }

  public static X500Name cn(String commonName) {
    return new org.bouncycastle.asn1.x500.X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  /** The single CN of a distinguished name, or null when it has none or several. */
  public static String commonName(javax.security.auth.x500.X500Principal p) {
    var rdns = X500Name.getInstance(p.getEncoded()).getRDNs(BCStyle.CN);
    return rdns.length == 1 ? IETFUtils.valueToString(rdns[0].getFirst().getValue()) : null;
  }

  public static X509Certificate certificate(X500Name issuer, PrivateKey issuerKey, PublicKey issuerPublic,
      X500Name subject, PublicKey subjectKey, BigInteger serial, Instant notBefore, Instant notAfter, Role role,
      List<String> dnsNames, List<String> ipAddresses) throws GeneralSecurityException {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new X509v3CertificateBuilder(issuer, serial, Date.from(notBefore), Date.from(notAfter),
          subject, SubjectPublicKeyInfo.getInstance(subjectKey.getEncoded()));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerPublic));
      switch (role) {
        case CA -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
          b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        case NODE_CLIENT -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
          b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
          b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        }
        case SERVER -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
          b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
          b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
          GeneralName[] names = new GeneralName[dnsNames.size() + ipAddresses.size()];
          int i = 0;
          for (String d : dnsNames) {
            names[i++] = new GeneralName(GeneralName.dNSName, d);
          }
          for (String ip : ipAddresses) {
            names[i++] = new GeneralName(GeneralName.iPAddress, ip);
          }
          b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
      }
      X509CertificateHolder h = b.build(signer(issuerKey));
      return new JcaX509CertificateConverter().getCertificate(h);
    } catch (IOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot build the certificate: " + e.getMessage(), e);
    }
  }

  /** A DER PKCS#10 request for {@code subject}, signed by {@code key}. */
  public static byte[] request(X500Name subject, KeyPair key) throws GeneralSecurityException {
    try {
      return new JcaPKCS10CertificationRequestBuilder(subject, key.getPublic()).build(signer(key.getPrivate())).getEncoded();
    } catch (IOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot build the certificate request: " + e.getMessage(), e);
    }
  }

  /** A parsed PKCS#10 request whose self-signature has been checked. */
  public record ParsedRequest(String commonName, byte[] subjectPublicKeyInfo) {}

  public static ParsedRequest parseRequest(byte[] der) throws GeneralSecurityException {
    PKCS10CertificationRequest r;
    try {
      r = new PKCS10CertificationRequest(der);
    } catch (IOException | RuntimeException e) {
      throw new GeneralSecurityException("not a DER PKCS#10 certificate request");
    }
    try {
      if (!r.isSignatureValid(new JcaContentVerifierProviderBuilder().build(jdkKey(r.getSubjectPublicKeyInfo())))) {
        throw new GeneralSecurityException("the request's signature does not verify under its own key");
      }
    } catch (OperatorCreationException | PKCSException e) {
      throw new GeneralSecurityException("the request's signature cannot be checked: " + e.getMessage());
    }
    var rdns = r.getSubject().getRDNs(BCStyle.CN);
    String cn = rdns.length == 1 ? IETFUtils.valueToString(rdns[0].getFirst().getValue()) : null;
    try {
      return new ParsedRequest(cn, r.getSubjectPublicKeyInfo().getEncoded());
    } catch (IOException e) {
      throw new GeneralSecurityException("the request's public key cannot be encoded", e);
    }
  }

  /**
   * The JDK key of a request: the JDK's providers know EC keys as "EC", not by their OID, so an ECDSA
   * request (the admin API's HTTPS key) is converted by name; other keys by the verifier's own lookup.
   */
  private static java.security.PublicKey jdkKey(SubjectPublicKeyInfo spki) throws OperatorCreationException {
    String name = spki.getAlgorithm().getAlgorithm().equals(org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey)
        ? "EC" : spki.getAlgorithm().getAlgorithm().equals(org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519)
            ? "Ed25519" : null;
    try {
      if (name == null) {
        throw new OperatorCreationException("unsupported key algorithm " + spki.getAlgorithm().getAlgorithm());
      }
      return java.security.KeyFactory.getInstance(name).generatePublic(
          new java.security.spec.X509EncodedKeySpec(spki.getEncoded()));
    } catch (IOException | GeneralSecurityException e) {
      throw new OperatorCreationException("cannot read the request's key: " + e.getMessage(), e);
    }
  }

  /** The 32 raw bytes of an Ed25519 SubjectPublicKeyInfo, or null when the key is not Ed25519. */
  public static byte[] rawEd25519(byte[] subjectPublicKeyInfo) {
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(subjectPublicKeyInfo);
    if (!spki.getAlgorithm().getAlgorithm().equals(org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519)) {
      return null;
    }
    return spki.getPublicKeyData().getOctets();
  }

  public static X509CRL crl(X500Name issuer, PrivateKey issuerKey, PublicKey issuerPublic, Collection<BigInteger> serials,
      Instant thisUpdate, Instant nextUpdate, BigInteger number) throws GeneralSecurityException {
    try {
      X509v2CRLBuilder b = new X509v2CRLBuilder(issuer, Date.from(thisUpdate));
      b.setNextUpdate(Date.from(nextUpdate));
      for (BigInteger s : serials) {
        b.addCRLEntry(s, Date.from(thisUpdate), CRLReason.unspecified);
      }
      b.addExtension(Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuerPublic));
      b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(number));
      return new JcaX509CRLConverter().getCRL(b.build(signer(issuerKey)));
    } catch (IOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot build the revocation list: " + e.getMessage(), e);
    }
  }

  private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
    // No setProvider: the JDK signs, so the private key stays a JDK key object. Ed25519 for the CA and
    // identity keys; ECDSA for the admin API's serving key (browsers accept no Ed25519 certificate).
    return new JcaContentSignerBuilder("EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "Ed25519").build(key);
  }
}
