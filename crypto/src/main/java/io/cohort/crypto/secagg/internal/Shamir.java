package io.cohort.crypto.secagg.internal;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Shamir t-of-n secret sharing over GF(2^255 - 19) (Shamir, CACM 1979), with a verified, robust
 * reconstruction for the active-adversary setting (Bonawitz et al., CCS 2017, section 6).
 *
 * <p>Security guarantees: any t shares determine the secret; any t - 1 shares are independent of
 * it (the t - 1 random coefficients come from {@link SecureRandom}). {@link #combine} refuses
 * duplicate indices (a Lagrange division by zero) and index 0.
 */
public final class Shamir {
  /** Upper bound on the subsets tried by {@link #robustCombine}, so a flood of bad shares cannot stall S. */
  public static final int MAX_SUBSETS_TRIED = 2_000;

  private Shamir() {}

  /** Shares {@code secret} with threshold {@code t} at evaluation points {@code xs}. */
  public static List<ShamirShare> split(BigInteger secret, int t, int[] xs, SecureRandom random) {
    if (t < 1 || t > xs.length) {
      throw new IllegalArgumentException("threshold must be in [1, " + xs.length + "], got " + t);
    }
    BigInteger[] coeffs = new BigInteger[t];
    coeffs[0] = secret;
    for (int i = 1; i < t; i++) {
      coeffs[i] = PrimeField.random(random);
    }
    List<ShamirShare> out = new ArrayList<>(xs.length);
    Set<Integer> seen = new HashSet<>();
    for (int x : xs) {
      if (!seen.add(x)) {
        throw new IllegalArgumentException("duplicate share index " + x);
      }
      out.add(new ShamirShare(x, evaluate(coeffs, BigInteger.valueOf(x))));
    }
    return out;
  }

  private static BigInteger evaluate(BigInteger[] coeffs, BigInteger x) {
    BigInteger acc = BigInteger.ZERO;
    for (int i = coeffs.length - 1; i >= 0; i--) {
      acc = acc.multiply(x).add(coeffs[i]).mod(PrimeField.P);
    }
    return acc;
  }

  /** The secret from exactly the given shares (Lagrange interpolation at 0). */
  public static BigInteger combine(List<ShamirShare> shares) {
    return interpolateAt(shares, BigInteger.ZERO);
  }

  /** The value at {@code x} of the unique polynomial of degree below |shares| through the shares. */
  static BigInteger interpolateAt(List<ShamirShare> shares, BigInteger x) {
    return new Interpolation(shares).at(x);
  }

  /**
   * The polynomial through a set of shares, prepared once (Lagrange weights w_i = y_i / Π_{j≠i}
   * (x_i − x_j), all denominators inverted with a single modular inverse) so that each evaluation
   * costs O(t) multiplications: the coordinator rebuilds n secrets and checks every further share
   * against them, which took O(t³) modular inverses per secret when each evaluation started over.
   */
  static final class Interpolation {
    private final BigInteger[] xs;
    private final BigInteger[] ys;
    private final BigInteger[] weights;

    Interpolation(List<ShamirShare> shares) {
      if (shares.isEmpty()) {
        throw new IllegalArgumentException("no shares to combine");
      }
      Set<Integer> seen = new HashSet<>();
      for (ShamirShare s : shares) {
        if (!seen.add(s.index())) {
          throw new IllegalArgumentException("duplicate share index " + s.index());
        }
      }
      BigInteger p = PrimeField.P;
      int t = shares.size();
      xs = new BigInteger[t];
      ys = new BigInteger[t];
      for (int i = 0; i < t; i++) {
        xs[i] = BigInteger.valueOf(shares.get(i).index());
        ys[i] = shares.get(i).value();
      }
      BigInteger[] den = new BigInteger[t];
      for (int i = 0; i < t; i++) {
        BigInteger d = BigInteger.ONE;
        for (int j = 0; j < t; j++) {
          if (j != i) {
            d = d.multiply(xs[i].subtract(xs[j])).mod(p);
          }
        }
        den[i] = d;
      }
      // Montgomery's trick: prefix[i] = den[0]·…·den[i-1]; one inverse of the full product.
      BigInteger[] prefix = new BigInteger[t + 1];
      prefix[0] = BigInteger.ONE;
      for (int i = 0; i < t; i++) {
        prefix[i + 1] = prefix[i].multiply(den[i]).mod(p);
      }
      BigInteger inv = prefix[t].modInverse(p);
      weights = new BigInteger[t];
      for (int i = t - 1; i >= 0; i--) {
        BigInteger denInv = inv.multiply(prefix[i]).mod(p);
        inv = inv.multiply(den[i]).mod(p);
        weights[i] = ys[i].multiply(denInv).mod(p);
      }
    }

    /** Σ_i w_i · Π_{j≠i} (x − x_j), with the products from prefix and suffix arrays. */
    BigInteger at(BigInteger x) {
      BigInteger p = PrimeField.P;
      int t = xs.length;
      BigInteger[] suffix = new BigInteger[t + 1];
      suffix[t] = BigInteger.ONE;
      for (int j = t - 1; j >= 0; j--) {
        suffix[j] = suffix[j + 1].multiply(x.subtract(xs[j])).mod(p);
      }
      BigInteger prefix = BigInteger.ONE;
      BigInteger acc = BigInteger.ZERO;
      for (int i = 0; i < t; i++) {
        acc = acc.add(weights[i].multiply(prefix.multiply(suffix[i + 1]).mod(p)));
        prefix = prefix.multiply(x.subtract(xs[i])).mod(p);
      }
      return acc.mod(p);
    }
  }

  /** Result of a robust reconstruction: the secret, and the share indices that disagree with it. */
  public record Recovered(BigInteger secret, Set<Integer> blamedIndices) {
    @Override
    public String toString() {
      return "Recovered[secret redacted, blamed=" + blamedIndices + "]";
    }
  }

  /**
   * Rebuilds a secret that must pass {@code check} (a commitment or public-key comparison) from
   * at least t shares, some of which may be wrong (docs/secagg-scenarios.md C2, C3). It tries the first t
   * shares, then other t-subsets (at most {@link #MAX_SUBSETS_TRIED}); on success, every share
   * that does not lie on the recovered polynomial is blamed. Empty if no subset passes.
   */
  public static Optional<Recovered> robustCombine(List<ShamirShare> shares, int t, Predicate<BigInteger> check) {
    if (shares.size() < t) {
      return Optional.empty();
    }
    int n = shares.size();
    int[] idx = new int[t];
    for (int i = 0; i < t; i++) {
      idx[i] = i;
    }
    for (int tried = 0; tried < MAX_SUBSETS_TRIED; tried++) {
      List<ShamirShare> subset = new ArrayList<>(t);
      for (int i : idx) {
        subset.add(shares.get(i));
      }
      Interpolation poly = new Interpolation(subset);
      BigInteger secret = poly.at(BigInteger.ZERO);
      if (check.test(secret)) {
        Set<Integer> blamed = new HashSet<>();
        for (ShamirShare s : shares) {
          if (!subset.contains(s) && !poly.at(BigInteger.valueOf(s.index())).equals(s.value())) {
            blamed.add(s.index());
          }
        }
        return Optional.of(new Recovered(secret, blamed));
      }
      if (!nextCombination(idx, n)) {
        break;
      }
    }
    return Optional.empty();
  }

  /** Advances {@code idx} to the next t-combination of [0, n) in lexicographic order. */
  private static boolean nextCombination(int[] idx, int n) {
    int t = idx.length;
    int i = t - 1;
    while (i >= 0 && idx[i] == n - t + i) {
      i--;
    }
    if (i < 0) {
      return false;
    }
    idx[i]++;
    for (int j = i + 1; j < t; j++) {
      idx[j] = idx[j - 1] + 1;
    }
    return true;
  }
}
