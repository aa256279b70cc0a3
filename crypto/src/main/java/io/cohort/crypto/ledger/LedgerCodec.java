package io.cohort.crypto.ledger;

import io.cohort.crypto.Digests;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger's line format, signatures and hash chain.
 *
 * <p>A ledger is UTF-8 text, one record per line ending in {@code \n}, fields separated by tabs
 * as {@code key=value} in a fixed order. Line 1 is the header ({@code cohort-privacy-ledger/1},
 * dataset, public key, delta, creation time); each further line is an entry ({@code entry},
 * seq, job, round, mechanism, q, sigma, clip, steps, accountant, epsilon, time, prev, and since
 * issue 21 optionally {@code terms}, the hex SHA-256 of the job terms the node accepted, and since issue 19
 * optionally {@code unit}, the privacy unit when it is not {@code record}). Every line
 * ends with {@code sig=}, the Ed25519 signature (RFC 8032) over the line's bytes before
 * {@code \tsig=}. An entry's {@code prev} is the SHA-256 of the previous line (header
 * included, without its newline), so removing, reordering or editing any line breaks the chain.
 * Doubles are written with {@link Double#toString}, which round-trips exactly.
 */
final class LedgerCodec {
  static final String MAGIC = "cohort-privacy-ledger/1";
  private static final String SIG = "\tsig=";
  private static final HexFormat HEX = HexFormat.of();
  private static final String[] ENTRY_KEYS = {"seq", "job", "round", "mechanism", "q", "sigma", "clip", "steps",
      "accountant", "epsilon", "time", "prev"};

  private LedgerCodec() {}

  static String header(String datasetId, IdentityKeyPair key, double delta, long createdMillis) {
    return signed(MAGIC + "\tdataset=" + datasetId + "\tkey=" + key.publicKey().hex() + "\tdelta=" + delta
        + "\tcreated=" + createdMillis, key);
  }

  static String entry(long seq, Spend s, String accountant, double epsAfter, long time, String prevHex,
      IdentityKeyPair key) {
    PlanSegment g = s.segment();
    return signed("entry\tseq=" + seq + "\tjob=" + s.jobId() + "\tround=" + s.round() + "\tmechanism="
        + s.mechanism() + "\tq=" + g.samplingProbability() + "\tsigma=" + g.noiseMultiplier() + "\tclip="
        + s.clipNorm() + "\tsteps=" + g.steps() + "\taccountant=" + accountant + "\tepsilon=" + epsAfter + "\ttime="
        + time + "\tprev=" + prevHex + (s.jobTermsSha256().isEmpty() ? "" : "\tterms=" + s.jobTermsSha256())
        // Record-level entries keep the format they had before units existed.
        + (s.unit().equals(Spend.RECORD_UNIT) ? "" : "\tunit=" + s.unit()), key);
  }

  static String hash(String line) {
    return HEX.formatHex(Digests.sha256(line.getBytes(StandardCharsets.UTF_8)));
  }

  private static String signed(String body, IdentityKeyPair key) {
    return body + SIG + HEX.formatHex(key.sign(body.getBytes(StandardCharsets.UTF_8)));
  }

  /** The parsed header: dataset and delta. */
  record Header(String datasetId, double delta, String hashHex) {}

  /**
   * Verifies {@code content} (a whole ledger file) against {@code key}. {@code accountant} may be
   * null; when given, each entry's epsilon must be at least what it computes for the entries so
   * far (a ledger that under-counts fails).
   */
  static Verification verify(byte[] content, IdentityPublicKey key, String expectedDataset,
      PrivacyAccountant accountant, Header[] headerOut) {
    String text = new String(content, StandardCharsets.UTF_8);
    List<VerifiedLedgerEntry> entries = new ArrayList<>();
    if (text.isEmpty()) {
      return new Verification(Verification.Status.TORN_TAIL, entries, 0, "empty file (crash during creation)");
    }
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    String tail = lines.remove(lines.size() - 1); // "" when the file ends with a newline
    if (lines.isEmpty()) {
      return new Verification(Verification.Status.TORN_TAIL, entries, 0, "incomplete header (crash during creation)");
    }
    Header header;
    try {
      header = parseHeader(lines.get(0), key, expectedDataset);
    } catch (BadLine e) {
      return corrupt(entries, 0, "header: " + e.getMessage());
    }
    if (headerOut != null) {
      headerOut[0] = header;
    }
    String prev = header.hashHex();
    LinkedHashMap<String, PlanSegment> compact = new LinkedHashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      long seq = i;
      try {
        VerifiedLedgerEntry e = parseEntry(lines.get(i), seq, prev, key);
        if (accountant != null && e.accountant().equals(accountant.id())) {
          merge(compact, e.spend().segment());
          double recomputed = accountant.epsilon(PrivacyPlan.of(new ArrayList<>(compact.values())), header.delta())
              .epsilon();
          if (e.epsilonAfter() < recomputed * (1 - 1e-9)) {
            throw new BadLine("records epsilon " + e.epsilonAfter() + " but its history spends " + recomputed);
          }
        }
        entries.add(e);
        prev = e.hashHex();
      } catch (BadLine | DpParameterException ex) {
        return corrupt(entries, seq, ex.getMessage());
      }
    }
    if (!tail.isEmpty()) {
      return new Verification(Verification.Status.TORN_TAIL, List.copyOf(entries), lines.size(),
          "the file ends in an incomplete entry (" + tail.length() + " bytes without a newline)");
    }
    return new Verification(Verification.Status.VALID, List.copyOf(entries), -1, "");
  }

  /** Adds a segment to a plan keyed by (q, sigma), summing steps: same accounting, fewer segments. */
  static void merge(Map<String, PlanSegment> compact, PlanSegment s) throws DpParameterException {
    String k = s.samplingProbability() + "/" + s.noiseMultiplier();
    PlanSegment old = compact.get(k);
    compact.put(k, old == null ? s : PlanSegment.of(s.samplingProbability(), s.noiseMultiplier(),
        old.steps() + s.steps()));
  }

  private static Verification corrupt(List<VerifiedLedgerEntry> entries, long seq, String reason) {
    return new Verification(Verification.Status.CORRUPT, List.copyOf(entries), seq, reason);
  }

  static final class BadLine extends Exception {
    private static final long serialVersionUID = 1L;

    BadLine(String m) {
      super(m);
    }
  }

  private static String[] checkSignature(String line, IdentityPublicKey key) throws BadLine {
    int at = line.lastIndexOf(SIG);
    if (at < 0) {
      throw new BadLine("no signature");
    }
    byte[] sig;
    try {
      sig = HEX.parseHex(line.substring(at + SIG.length()));
    } catch (IllegalArgumentException e) {
      throw new BadLine("signature is not hex");
    }
    String body = line.substring(0, at);
    if (!key.verify(body.getBytes(StandardCharsets.UTF_8), sig)) {
      throw new BadLine("bad signature (edited, or signed by another key than " + key.hex() + ")");
    }
    return body.split("\t", -1);
  }

  static Header parseHeader(String line, IdentityPublicKey key, String expectedDataset) throws BadLine {
    String[] f = checkSignature(line, key);
    if (f.length != 5 || !f[0].equals(MAGIC)) {
      throw new BadLine("not a " + MAGIC + " header");
    }
    String dataset = value(f[1], "dataset");
    if (expectedDataset != null && !dataset.equals(expectedDataset)) {
      throw new BadLine("ledger of dataset " + dataset + ", expected " + expectedDataset);
    }
    if (!value(f[2], "key").equals(key.hex())) {
      throw new BadLine("header names another key");
    }
    return new Header(dataset, number(value(f[3], "delta")), hash(line));
  }

  static VerifiedLedgerEntry parseEntry(String line, long expectedSeq, String prevHex, IdentityPublicKey key)
      throws BadLine, DpParameterException {
    String[] f = checkSignature(line, key);
    if (f.length < ENTRY_KEYS.length + 1 || f.length > ENTRY_KEYS.length + 3 || !f[0].equals("entry")) {
      throw new BadLine("malformed entry line");
    }
    String[] v = new String[ENTRY_KEYS.length];
    for (int i = 0; i < ENTRY_KEYS.length; i++) {
      v[i] = value(f[i + 1], ENTRY_KEYS[i]);
    }
    long seq = integer(v[0]);
    if (seq != expectedSeq) {
      throw new BadLine("sequence number " + seq + " where " + expectedSeq + " was expected");
    }
    if (!v[11].equals(prevHex)) {
      throw new BadLine("hash chain broken: prev does not match the previous line");
    }
    if (!Spend.known(v[3])) {
      throw new BadLine("unknown mechanism " + v[3]);
    }
    Spend s = Spend.of(v[1], integer(v[2]), number(v[4]), number(v[5]), number(v[6]), integer(v[7]))
        .withMechanism(v[3]);
    int at = ENTRY_KEYS.length + 1;
    // Optional fields, in this order: terms (issue 21), unit (issue 19).
    if (at < f.length && f[at].startsWith("terms=")) {
      String terms = value(f[at++], "terms");
      if (!terms.matches("[0-9a-f]{64}")) {
        throw new BadLine("terms is not a hex SHA-256");
      }
      s = s.withJobTerms(terms);
    }
    if (at < f.length && f[at].startsWith("unit=")) {
      String unit = value(f[at++], "unit");
      if (unit.equals(Spend.RECORD_UNIT) || !unit.matches("[A-Za-z0-9._:-]{1,128}")) {
        throw new BadLine("unit is not a column or field name");
      }
      s = s.withUnit(unit);
    }
    if (at != f.length) {
      throw new BadLine("malformed entry line");
    }
    return new VerifiedLedgerEntry(seq, s, v[8], number(v[9]), integer(v[10]), hash(line));
  }

  private static String value(String field, String key) throws BadLine {
    if (!field.startsWith(key + "=")) {
      throw new BadLine("expected field " + key);
    }
    return field.substring(key.length() + 1);
  }

  private static double number(String s) throws BadLine {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new BadLine("not a number: " + s);
    }
  }

  private static long integer(String s) throws BadLine {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new BadLine("not an integer: " + s);
    }
  }
}
