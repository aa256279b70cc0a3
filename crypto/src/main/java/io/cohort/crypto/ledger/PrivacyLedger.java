package io.cohort.crypto.ledger;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.keys.IdentityPublicKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The privacy ledger of one dataset, owned by the node: a durable, append-only file of signed,
 * hash-chained entries (format in {@code LedgerCodec}), with a budget the node enforces.
 *
 * <p>Write-ahead contract: {@link #record} returns only after the entry is written and
 * {@code fsync}ed (file and, at creation, directory). The caller must release the update
 * <em>after</em> {@code record} returns. A crash at any point therefore leaves either no entry
 * (nothing was released) or a complete entry (possibly for an update never released): the
 * ledger can over-count, never under-count. A crash mid-write leaves an incomplete last line,
 * which {@link #open} removes (that update was never released).
 *
 * <p>Security guarantees: every line is Ed25519-signed with the node's identity key and
 * SHA-256-chained to the previous one, so editing, inserting, removing or reordering any
 * entry is detected by {@link #verify} and reported with the first bad entry. Truncation of the
 * newest entries cannot be detected from the file alone: after each entry, {@link LedgerAnchor}
 * (entry count and newest hash, in {@code <ledger>.anchor}) is fsynced, and a ledger behind its
 * anchor cannot be opened ({@link LedgerRollbackException}); the coordinator's acknowledged
 * entry is the second, remote anchor. A ledger that fails verification cannot be opened, so the
 * node cannot train on that dataset until an operator intervenes.
 *
 * <p>Privacy guarantees: a spend that would take the dataset's epsilon (all entries, all jobs,
 * composed by the accountant at the ledger's delta) past the budget is refused and nothing is
 * written. Thread-safe; one process at a time (an exclusive file lock is held while open).
 */
public final class PrivacyLedger implements AutoCloseable {
  /** Points inside {@link #record}, for the crash tests' probe. */
  enum Stage { BEFORE_WRITE, MID_WRITE, AFTER_WRITE, AFTER_FSYNC, AFTER_ANCHOR }

  /** Package-private test hook: called at each stage of recording. */
  interface Probe {
    void at(Stage stage, long seq);
  }

  private enum State { OPEN, FAILED, CLOSED }

  private final Path file;
  private final String datasetId;
  private final IdentityKeyPair key;
  private final PrivacyAccountant accountant;
  private final double budgetEpsilon;
  private final double delta;
  private final FileChannel channel;
  private final FileLock lock;
  private final List<VerifiedLedgerEntry> entries;
  /** The file's complete lines, header first: what {@link #signedLine} hands to a verifier. */
  private final List<String> lines;
  private final LinkedHashMap<String, PlanSegment> compact = new LinkedHashMap<>();
  private String lastHash;
  private State state = State.OPEN;
  private Probe probe = (s, q) -> { };

  private PrivacyLedger(Path file, String datasetId, IdentityKeyPair key, PrivacyAccountant accountant,
      double budgetEpsilon, double delta, FileChannel channel, FileLock lock, List<VerifiedLedgerEntry> entries,
      String lastHash, List<String> lines) throws DpParameterException {
    this.file = file;
    this.lines = new ArrayList<>(lines);
    this.datasetId = datasetId;
    this.key = key;
    this.accountant = accountant;
    this.budgetEpsilon = budgetEpsilon;
    this.delta = delta;
    this.channel = channel;
    this.lock = lock;
    this.entries = new ArrayList<>(entries);
    this.lastHash = lastHash;
    for (VerifiedLedgerEntry e : entries) {
      LedgerCodec.merge(compact, e.spend().segment());
    }
  }

  /**
   * Opens (or creates) the ledger of {@code datasetId} at {@code file}. An existing file must
   * verify under {@code key}'s public key; a torn last line left by a crash is repaired first.
   *
   * @param budgetEpsilon the dataset's total epsilon budget, > 0
   * @param delta the delta all epsilons refer to; must equal the one in an existing file
   * @throws LedgerException if the file fails verification (the message names the entry and why),
   *     is locked by another process, or belongs to another dataset, key or delta
   */
  public static PrivacyLedger open(Path file, String datasetId, IdentityKeyPair key, PrivacyAccountant accountant,
      double budgetEpsilon, double delta) throws IOException, DpParameterException {
    Spend.checkId("datasetId", datasetId);
    DpPreconditions.checkEpsilon(budgetEpsilon);
    DpPreconditions.checkDelta(delta);
    Path abs = file.toAbsolutePath();
    io.cohort.crypto.keys.OwnerOnly.createDirectories(abs.getParent());
    boolean created = !Files.exists(abs);
    // A new ledger is created 0600 (issue 22 #8): it names jobs and spends of the node's datasets.
    FileChannel ch = FileChannel.open(abs, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE), io.cohort.crypto.keys.OwnerOnly.fileAttributes(abs));
    try {
      FileLock lock = ch.tryLock();
      if (lock == null) {
        throw new LedgerException("ledger " + abs + " is in use by another process");
      }
      byte[] content = Files.readAllBytes(abs);
      LedgerCodec.Header[] header = new LedgerCodec.Header[1];
      Verification v = LedgerCodec.verify(content, key.publicKey(), datasetId, accountant, header);
      if (v.status() == Verification.Status.TORN_TAIL) {
        v = repairTornTail(ch, content, key.publicKey(), datasetId, accountant, header);
      }
      if (v.status() == Verification.Status.CORRUPT) {
        throw new LedgerException("ledger " + abs + " failed verification at entry " + v.badEntry() + ": "
            + v.reason() + "; refusing to train on dataset " + datasetId);
      }
      // Issue 22 #1: a ledger behind its local anchor was rolled back; refuse before anything.
      java.util.Optional<LedgerAnchor> anchor = LedgerAnchor.read(abs);
      java.util.Optional<String> behind = anchor.isEmpty() ? java.util.Optional.empty()
          : anchor.get().behind(v.entries());
      if (behind.isPresent()) {
        throw new LedgerRollbackException("ledger " + abs + " " + behind.get() + "; refusing to train on dataset "
            + datasetId + " until the ledger is restored (or, after checking, its anchor "
            + LedgerAnchor.pathFor(abs).getFileName() + " is removed)");
      }
      String lastHash;
      if (header[0] == null) { // new, or a crash left no complete header: nothing was ever released
        ch.truncate(0);
        String h = LedgerCodec.header(datasetId, key, delta, System.currentTimeMillis());
        writeFully(ch, (h + "\n").getBytes(StandardCharsets.UTF_8));
        ch.force(true);
        if (created) {
          fsyncDirectory(abs.getParent());
        }
        lastHash = LedgerCodec.hash(h);
      } else {
        if (header[0].delta() != delta) {
          throw new LedgerException("ledger " + abs + " accounts at delta " + header[0].delta() + ", not " + delta);
        }
        lastHash = v.entries().isEmpty() ? header[0].hashHex() : v.entries().get(v.entries().size() - 1).hashHex();
      }
      // A crash between an entry's fsync and its anchor's leaves the ledger ahead: catch up.
      if (anchor.isEmpty() || anchor.get().entries() != v.entries().size()
          || !anchor.get().lastHash().equals(lastHash)) {
        new LedgerAnchor(v.entries().size(), lastHash).write(abs);
      }
      ch.position(ch.size());
      // Re-read after any repair: the lines kept are exactly the file's verified lines.
      String text = new String(Files.readAllBytes(abs), StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(List.of(text.split("\n")));
      return new PrivacyLedger(abs, datasetId, key, accountant, budgetEpsilon, delta, ch, lock, v.entries(),
          lastHash, lines);
    } catch (IOException | DpParameterException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Verifies a ledger file without opening it for writing (auditors, the dashboard). */
  public static Verification verify(Path file, IdentityPublicKey key, PrivacyAccountant accountant)
      throws IOException {
    return LedgerCodec.verify(Files.readAllBytes(file), key, null, accountant, null);
  }

  /** Epsilon spent so far (all entries), at the ledger's delta. */
  public synchronized double spentEpsilon() throws DpParameterException {
    return compact.isEmpty() ? 0 : accountant.epsilon(PrivacyPlan.of(new ArrayList<>(compact.values())), delta)
        .epsilon();
  }

  /** The epsilon the dataset would have spent after {@code plan} runs on top of everything recorded. */
  public synchronized double projectedEpsilon(PrivacyPlan plan) throws DpParameterException {
    LinkedHashMap<String, PlanSegment> p = new LinkedHashMap<>(compact);
    for (PlanSegment s : plan.segments()) {
      LedgerCodec.merge(p, s);
    }
    return accountant.epsilon(PrivacyPlan.of(new ArrayList<>(p.values())), delta).epsilon();
  }

  /** Budget minus spent epsilon; never negative. */
  public synchronized double remainingEpsilon() throws DpParameterException {
    return Math.max(0, budgetEpsilon - spentEpsilon());
  }

  /** True when {@code plan} fits in the remaining budget (the check a node makes before accepting a job). */
  public boolean fits(PrivacyPlan plan) throws DpParameterException {
    return projectedEpsilon(plan) <= budgetEpsilon;
  }

  /**
   * Durably records {@code spend} before its update is released. Returns the entry once it is
   * written and fsynced; only then may the update leave the node.
   *
   * @throws BudgetExceededException if the spend would exceed the budget (nothing written)
   * @throws LedgerException if writing failed: the ledger refuses further use until reopened
   */
  public synchronized VerifiedLedgerEntry record(Spend spend) throws IOException, BudgetExceededException,
      DpParameterException {
    if (state != State.OPEN) {
      throw new LedgerException("ledger " + file + " is " + state.name().toLowerCase(java.util.Locale.ROOT)
          + "; reopen it (a failed write must be checked by verification first)");
    }
    double after = projectedEpsilon(PrivacyPlan.of(List.of(spend.segment())));
    if (after > budgetEpsilon) {
      throw new BudgetExceededException(datasetId, after, budgetEpsilon);
    }
    long seq = entries.size() + 1;
    long now = System.currentTimeMillis();
    String line = LedgerCodec.entry(seq, spend, accountant.id(), after, now, lastHash, key);
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      probe.at(Stage.BEFORE_WRITE, seq);
      // Two writes on purpose: a crash between them is exactly the torn line a crash inside
      // one write(2) can leave, and the crash test stops the process there.
      int half = bytes.length / 2;
      writeFully(channel, ByteBuffer.wrap(bytes, 0, half));
      probe.at(Stage.MID_WRITE, seq);
      writeFully(channel, ByteBuffer.wrap(bytes, half, bytes.length - half));
      probe.at(Stage.AFTER_WRITE, seq);
      channel.force(true);
      probe.at(Stage.AFTER_FSYNC, seq);
    } catch (IOException e) {
      state = State.FAILED;
      throw new LedgerException("writing entry " + seq + " to " + file + " failed; do not release the update", e);
    }
    VerifiedLedgerEntry e = new VerifiedLedgerEntry(seq, spend, accountant.id(), after, now, LedgerCodec.hash(line));
    entries.add(e);
    lines.add(line);
    LedgerCodec.merge(compact, spend.segment());
    lastHash = e.hashHex();
    try {
      // After the entry, never before: a crash in between leaves the ledger ahead of its anchor.
      new LedgerAnchor(seq, lastHash).write(file);
      probe.at(Stage.AFTER_ANCHOR, seq);
    } catch (IOException ex) {
      state = State.FAILED; // the entry is durable (it counts); reopening rewrites the anchor
      throw new LedgerException("entry " + seq + " of " + file + " is recorded but its anchor could not be written ("
          + ex.getMessage() + "); do not release the update, reopen the ledger", ex);
    }
    return e;
  }

  /**
   * Entry {@code seq}'s line exactly as stored (without the newline): signed, so it can be
   * handed to anyone holding the node's public key for {@link LedgerLines#verifyEntry}.
   */
  public synchronized String signedLine(long seq) {
    if (seq < 1 || seq >= lines.size()) {
      throw new IllegalArgumentException("no entry " + seq + " in ledger " + file + " (it has " + entries.size() + ")");
    }
    return lines.get((int) seq);
  }

  /** The signed header line (dataset, public key, delta), for {@link LedgerLines#verifyHeader}. */
  public synchronized String headerLine() {
    return lines.get(0);
  }

  public synchronized List<VerifiedLedgerEntry> entries() {
    return List.copyOf(entries);
  }

  /** The ledger file (absolute); its anchor and the node's side files sit beside it. */
  public Path file() {
    return file;
  }

  public double budgetEpsilon() {
    return budgetEpsilon;
  }

  public double delta() {
    return delta;
  }

  void setProbe(Probe p) {
    this.probe = p;
  }

  @Override
  public synchronized void close() throws IOException {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }

  /**
   * A crash mid-write leaves a last line without its newline. If that line is nonetheless a
   * complete, valid entry, keep it (counting it can only over-count); otherwise cut it off: its
   * update was never released, because release waits for the full line to be fsynced.
   */
  private static Verification repairTornTail(FileChannel ch, byte[] content, IdentityPublicKey pub, String dataset,
      PrivacyAccountant acc, LedgerCodec.Header[] header) throws IOException {
    byte[] completed = new byte[content.length + 1];
    System.arraycopy(content, 0, completed, 0, content.length);
    completed[content.length] = '\n';
    Verification asComplete = LedgerCodec.verify(completed, pub, dataset, acc, header);
    if (asComplete.isValid()) {
      ch.position(content.length);
      writeFully(ch, new byte[] {'\n'});
      ch.force(true);
      return asComplete;
    }
    int lastNewline = content.length - 1;
    while (lastNewline >= 0 && content[lastNewline] != '\n') {
      lastNewline--;
    }
    ch.truncate(lastNewline + 1);
    ch.force(true);
    byte[] cut = new byte[lastNewline + 1];
    System.arraycopy(content, 0, cut, 0, cut.length);
    header[0] = null;
    return LedgerCodec.verify(cut, pub, dataset, acc, header);
  }

  private static void writeFully(FileChannel ch, byte[] b) throws IOException {
    writeFully(ch, ByteBuffer.wrap(b));
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some platforms cannot open directories; the file's own fsync still holds its data.
    }
  }
}
