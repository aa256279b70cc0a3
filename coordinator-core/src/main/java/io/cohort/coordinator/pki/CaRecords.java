package io.cohort.coordinator.pki;

import io.cohort.crypto.pki.FederationCa;
import io.cohort.crypto.pki.PkiException;
import io.cohort.crypto.pki.RevocationList;
import io.cohort.crypto.pki.TlsMaterial;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What the offline CA machine keeps beside its key (issue 21 #1): {@code issued.log}, one line per
 * certificate it signed ({@code serial-hex node-or-server notAfter fingerprint}), and
 * {@code revoked.log}, one serial per line, from which it signs {@code ca.crl} for the operator to
 * carry to the coordinator. Plain text, append-only, so the CA operator can read and back them up.
 */
public final class CaRecords {
  public static final String ISSUED = "issued.log";
  public static final String REVOKED = "revoked.log";
  public static final String CRL_FILE = "ca.crl";

  private final Path dir;

  public CaRecords(Path caDir) {
    this.dir = caDir;
  }

  /** Records a certificate the CA just signed. */
  public void issued(String subject, X509Certificate cert) throws IOException {
    append(ISSUED, cert.getSerialNumber().toString(16) + " " + subject + " " + cert.getNotAfter().toInstant() + " "
        + TlsMaterial.fingerprint(cert));
  }

  /**
   * Records the revocation of every certificate issued to {@code subject} (or of the one serial
   * {@code serialHex}); returns the serials newly revoked.
   */
  public List<String> revoke(String subject, String serialHex) throws IOException, PkiException {
    TreeSet<String> already = new TreeSet<>(lines(REVOKED));
    List<String> added = new ArrayList<>();
    if (serialHex != null) {
      String s = new BigInteger(serialHex.toLowerCase(java.util.Locale.ROOT).replace(":", ""), 16).toString(16);
      if (already.add(s)) {
        added.add(s);
      }
    } else {
      for (String line : lines(ISSUED)) {
        String[] f = line.split(" ");
        if (f.length >= 2 && f[1].equals(subject) && already.add(f[0])) {
          added.add(f[0]);
        }
      }
      if (added.isEmpty() && lines(ISSUED).stream().noneMatch(l -> l.split(" ").length >= 2
          && l.split(" ")[1].equals(subject))) {
        throw new PkiException("this CA has issued no certificate to '" + subject + "' (see " + dir.resolve(ISSUED)
            + "); give --serial HEX for a certificate issued elsewhere");
      }
    }
    for (String s : added) {
      append(REVOKED, s);
    }
    return added;
  }

  /** Signs a fresh CRL of every revoked serial, valid {@code nextUpdate}, and writes it to {@code ca.crl} (PEM). */
  public RevocationList signCrl(FederationCa ca, Duration nextUpdate) throws IOException, PkiException {
    List<BigInteger> serials = lines(REVOKED).stream().map(s -> new BigInteger(s, 16)).toList();
    RevocationList crl = ca.revocationList(serials, BigInteger.valueOf(System.currentTimeMillis()), nextUpdate);
    io.cohort.crypto.pki.Pem.writePublic(dir.resolve(CRL_FILE), crl.toPem().getBytes(StandardCharsets.US_ASCII));
    return crl;
  }

  private List<String> lines(String name) throws IOException {
    Path f = dir.resolve(name);
    return Files.isRegularFile(f) ? Files.readAllLines(f).stream().map(String::strip).filter(l -> !l.isEmpty()).toList()
        : List.of();
  }

  private void append(String name, String line) throws IOException {
    Files.writeString(dir.resolve(name), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
