package io.cohort.crypto.dp;

/**
 * An (epsilon, delta) guarantee computed by an accountant.
 *
 * <p>Privacy guarantees: {@code epsilon} is an upper bound on the true epsilon of the plan at
 * {@code delta} (up to floating-point rounding). {@code epsilonError} bounds how far above the
 * true value it may be: the true epsilon lies in {@code [epsilon - epsilonError, epsilon]}.
 * It is 0 where the accountant does not bound its slack (RDP is an upper bound whose gap to the
 * truth it cannot measure) and then {@link #errorBounded()} is false.
 *
 * @param epsilon the epsilon spent, in nats; +infinity when no finite bound exists
 * @param delta the delta it holds at
 * @param epsilonError the width of the interval known to contain the true epsilon (see above)
 * @param errorBounded whether {@code epsilonError} is a proven bound
 * @param accountant the accountant's name and version, e.g. {@code "rdp/1"}
 * @param detail a short human note (the optimal RDP order, the PLD grid)
 */
public record PrivacySpend(double epsilon, double delta, double epsilonError, boolean errorBounded, String accountant,
    String detail) {}
