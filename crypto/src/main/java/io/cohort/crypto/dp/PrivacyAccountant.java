package io.cohort.crypto.dp;

/**
 * Computes the privacy spent by a {@link PrivacyPlan} of Poisson-subsampled Gaussian steps under
 * add-or-remove-one-record adjacency.
 *
 * <p>Privacy guarantees: every implementation returns an epsilon that is never below the true
 * epsilon of the plan at the given delta (pessimistic), so spending decisions made on it are
 * safe. Implementations are immutable and thread-safe.
 */
public interface PrivacyAccountant {
  /** The smallest epsilon this accountant can certify for {@code plan} at {@code delta} in (0, 1). */
  PrivacySpend epsilon(PrivacyPlan plan, double delta) throws DpParameterException;

  /** A stable identifier with version, recorded in the ledger (e.g. {@code "rdp-opacus-orders/1"}). */
  String id();
}
