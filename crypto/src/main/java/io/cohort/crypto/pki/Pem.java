package io.cohort.crypto.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM (RFC 7468) encoding and the PKI's files: public files are written world-readable, files
 * with private keys are created owner-only (0600) before any byte is written, and every file is
 * replaced atomically so that a crash never leaves half a key or certificate.
 */
public final class Pem {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  private Pem() {}

  public static String encode(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** Every block of {@code type} in {@code text}, in order, as DER. */
  public static List<byte[]> decodeAll(String text, String type) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(type)) {
        out.add(Base64.getMimeDecoder().decode(m.group(2)));
      }
    }
    return out;
  }

  /** The single block of {@code type} in {@code file}; the error names the file and what it lacks. */
  public static byte[] readOne(Path file, String type) throws PkiException {
    List<byte[]> blocks = decodeAll(read(file), type);
    if (blocks.size() != 1) {
      throw new PkiException(file + ": expected exactly one PEM block '" + type + "', found " + blocks.size());
    }
    return blocks.get(0);
  }

  /** The certificates in {@code file}, leaf first as written. */
  public static List<X509Certificate> readCertificates(Path file) throws PkiException {
    List<byte[]> blocks = decodeAll(read(file), "CERTIFICATE");
    if (blocks.isEmpty()) {
      throw new PkiException(file + ": no PEM 'CERTIFICATE' block");
    }
    List<X509Certificate> certs = new ArrayList<>();
    for (byte[] der : blocks) {
      certs.add(certificate(der, file.toString()));
    }
    return certs;
  }

  public static X509Certificate certificate(byte[] der, String source) throws PkiException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new PkiException(source + ": not a valid X.509 certificate (" + e.getMessage() + ")");
    }
  }

  public static String certificates(List<X509Certificate> chain) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : chain) {
      try {
        sb.append(encode("CERTIFICATE", c.getEncoded()));
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IllegalStateException("a parsed certificate re-encodes", e);
      }
    }
    return sb.toString();
  }

  static String read(Path file) throws PkiException {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new PkiException(file + ": no such file");
    } catch (IOException e) {
      throw new PkiException(file + ": cannot be read (" + e.getMessage() + ")");
    }
  }

  /** Writes a public file (certificates, requests, lists) atomically, mode 0644. */
  public static void writePublic(Path file, byte[] content) throws IOException {
    write(file, content, "rw-r--r--");
  }

  /** Writes a secret file atomically; the file is created 0600 before its content is written. */
  public static void writeSecret(Path file, byte[] content) throws IOException {
    write(file, content, "rw-------");
  }

  private static void write(Path file, byte[] content, String perms) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
    try {
      Files.write(tmp, content);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
