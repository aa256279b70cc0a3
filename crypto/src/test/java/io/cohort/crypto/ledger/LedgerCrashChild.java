package io.cohort.crypto.ledger;

import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.keys.IdentityKeyPair;
import java.nio.file.Path;

/**
 * The process that {@link LedgerCrashTest} SIGKILLs. It records spends in a loop and prints
 * {@code RELEASED seq} after each {@code record} returns (the moment a real node would upload).
 * Args: ledger file, key file, stage name or "none", the seq at which to stop at that stage.
 * At the chosen point it prints {@code AT stage seq} and waits to be killed.
 */
public final class LedgerCrashChild {
  private LedgerCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path ledger = Path.of(args[0]);
    IdentityKeyPair key = IdentityKeyPair.loadOrCreate(Path.of(args[1]));
    String stage = args[2];
    long stopAt = Long.parseLong(args[3]);
    try (PrivacyLedger l = PrivacyLedger.open(ledger, "ds", key, RdpAccountant.create(), 1e6, 1e-5)) {
      l.setProbe((s, seq) -> {
        if (s.name().equals(stage) && seq == stopAt) {
          System.out.println("AT " + s + " " + seq);
          System.out.flush();
          try {
            Thread.sleep(600_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
      for (long i = 0; ; i++) {
        // Alternate two (q, sigma) settings: a heterogeneous history.
        VerifiedLedgerEntry e = l.record(Spend.of("job", i, i % 2 == 0 ? 0.01 : 0.02, i % 2 == 0 ? 1.0 : 1.3, 1.0, 5));
        System.out.println("RELEASED " + e.seq());
        System.out.flush();
      }
    }
  }
}
