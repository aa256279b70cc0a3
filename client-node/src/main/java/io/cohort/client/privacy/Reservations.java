package io.cohort.client.privacy;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The privacy budget a node has promised to accepted jobs and not yet spent (issue 22 #2), kept
 * beside the dataset's ledger in {@code <ledger>.reservations}: one line per job with the DP
 * settings the node resolved when it accepted (q, sigma, steps a round, rounds). The unspent part
 * of a reservation is its rounds not yet in the ledger.
 *
 * <p>Why a separate file and not a ledger entry: ledger entries are spends, verified and summed by
 * the coordinator, and their signed format is shared with it; a reservation is a node-local
 * promise that can only make the node more careful. Losing the file can never under-count spend
 * (every round is still checked against the budget and recorded write-ahead before release); it
 * only re-opens the "two offers both accepted" race. The file is rewritten whole: temporary file,
 * fsync, atomic rename, directory fsync, before the node answers the offer.
 */
public final class Reservations {
  private static final String MAGIC = "reservation v1";
  private static final Pattern LINE = Pattern.compile(Pattern.quote(MAGIC)
      + " job=(\\S+) q=(\\S+) sigma=(\\S+) steps=(\\d+) rounds=(\\d+) at=(\\d+)");

  /**
   * One accepted job's promise.
   *
   * @param reservedAtMs when it was made (node clock): a list of active jobs the coordinator
   *     assembled before then cannot release it
   */
  public record Reservation(String jobId, double samplingRate, double noiseMultiplier, long stepsPerRound,
      int rounds, long reservedAtMs) {
    /** Its rounds that {@code ledger} does not hold yet, as a plan; empty when all are recorded. */
    List<PlanSegment> unspent(List<VerifiedLedgerEntry> ledger) throws DpParameterException {
      Set<Long> done = new HashSet<>();
      for (VerifiedLedgerEntry e : ledger) {
        // Training rounds only: an evaluation charge (issue 19 #3) is not the round's DP-SGD spend.
        if (e.spend().jobId().equals(jobId) && e.spend().mechanism().equals(io.cohort.crypto.ledger.Spend.MECHANISM)) {
          done.add(e.spend().round());
        }
      }
      long left = Math.max(0, rounds - done.size());
      return left == 0 ? List.of()
          : PrivacyPlan.of(samplingRate, noiseMultiplier, stepsPerRound * left).segments();
    }

    String line() {
      return MAGIC + " job=" + jobId + " q=" + samplingRate + " sigma=" + noiseMultiplier + " steps=" + stepsPerRound
          + " rounds=" + rounds + " at=" + reservedAtMs;
    }
  }

  private Reservations() {}

  public static Path pathFor(Path ledger) {
    return ledger.resolveSibling(ledger.getFileName() + ".reservations");
  }

  /** The reservations held for {@code ledger}'s dataset; empty without a file. */
  public static List<Reservation> read(Path ledger) throws IOException {
    Path p = pathFor(ledger);
    if (!Files.exists(p)) {
      return List.of();
    }
    List<Reservation> out = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        throw new IOException("reservation file " + p + " line " + n + " is not a reservation (expected '" + MAGIC
            + " job=… q=… sigma=… steps=… rounds=… at=…')");
      }
      try {
        out.add(new Reservation(m.group(1), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
            Long.parseLong(m.group(4)), Integer.parseInt(m.group(5)), Long.parseLong(m.group(6))));
      } catch (NumberFormatException e) {
        throw new IOException("reservation file " + p + " line " + n + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** Replaces the reservations of {@code ledger}'s dataset, durably (see the class comment). */
  static void write(Path ledger, List<Reservation> rs) throws IOException {
    Path p = pathFor(ledger);
    StringBuilder sb = new StringBuilder();
    for (Reservation r : rs) {
      sb.append(r.line()).append('\n');
    }
    // 0600 from birth (issue 22 #8), fsynced and renamed like the ledger's anchor.
    io.cohort.crypto.keys.OwnerOnly.replaceDurably(p, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The unspent rounds of every reservation but {@code exceptJob}'s (null: all), as plan segments. */
  static List<PlanSegment> unspent(List<Reservation> rs, List<VerifiedLedgerEntry> ledger, String exceptJob)
      throws DpParameterException {
    List<PlanSegment> out = new ArrayList<>();
    for (Reservation r : rs) {
      if (!r.jobId().equals(exceptJob)) {
        out.addAll(r.unspent(ledger));
      }
    }
    return out;
  }

  /**
   * Epsilon reserved on top of what {@code ledger} spent: ε(spent + every unspent reservation) −
   * ε(spent), at {@code delta}. What {@code status} and {@code ledger} show beside spent.
   */
  public static double reservedEpsilon(List<Reservation> rs, List<VerifiedLedgerEntry> ledger, PrivacyAccountant acc,
      double delta) throws DpParameterException {
    List<PlanSegment> reserved = unspent(rs, ledger, null);
    if (reserved.isEmpty()) {
      return 0;
    }
    List<PlanSegment> all = new ArrayList<>();
    for (VerifiedLedgerEntry e : ledger) {
      all.add(e.spend().segment());
    }
    double spent = all.isEmpty() ? 0 : acc.epsilon(compact(all), delta).epsilon();
    all.addAll(reserved);
    return acc.epsilon(compact(all), delta).epsilon() - spent;
  }

  /** Segments with equal (q, sigma) merged, as the ledger composes them. */
  private static PrivacyPlan compact(List<PlanSegment> segments) throws DpParameterException {
    java.util.LinkedHashMap<String, PlanSegment> m = new java.util.LinkedHashMap<>();
    for (PlanSegment s : segments) {
      String k = s.samplingProbability() + "/" + s.noiseMultiplier();
      PlanSegment old = m.get(k);
      m.put(k, old == null ? s : PlanSegment.of(s.samplingProbability(), s.noiseMultiplier(), old.steps() + s.steps()));
    }
    return PrivacyPlan.of(new ArrayList<>(m.values()));
  }
}
