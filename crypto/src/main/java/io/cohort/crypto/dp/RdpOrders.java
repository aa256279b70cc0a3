package io.cohort.crypto.dp;

import java.util.Arrays;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;

/**
 * A grid of Rényi orders (alpha > 1) over which an RDP accountant minimises epsilon. Immutable;
 * the arrays returned are copies.
 *
 * <p>A finer or wider grid can only lower the reported epsilon, and every order gives a valid
 * bound, so the choice affects tightness, never soundness.
 */
public final class RdpOrders {
  /**
   * Opacus's {@code DEFAULT_ALPHAS} (Opacus 1.5, {@code opacus/accountants/rdp.py}):
   * {@code 1 + x/10} for x = 1..99, then the integers 12..63. Use it to reproduce Opacus and TF
   * Privacy figures exactly.
   */
  public static final RdpOrders OPACUS_DEFAULT = new RdpOrders(DoubleStream.concat(
      IntStream.rangeClosed(1, 99).mapToDouble(x -> 1 + x / 10.0),
      IntStream.rangeClosed(12, 63).mapToDouble(x -> x)).toArray());

  /**
   * The Opacus grid extended with integer orders up to 1024. High orders are what give tight
   * bounds in the small-epsilon corner (small q, large sigma, small delta); integer orders use
   * the exact binomial expansion, so the extension costs little time.
   */
  public static final RdpOrders EXTENDED = new RdpOrders(DoubleStream.concat(
      Arrays.stream(OPACUS_DEFAULT.orders),
      DoubleStream.of(64, 72, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024))
      .toArray());

  private final double[] orders;

  private RdpOrders(double[] orders) {
    this.orders = orders;
  }

  /** A custom grid; every order must be finite and > 1. */
  public static RdpOrders of(double... orders) throws DpParameterException {
    if (orders == null || orders.length == 0) {
      throw new DpParameterException("orders", "orders must list at least one Rényi order > 1");
    }
    for (double a : orders) {
      if (!(a > 1 && a < Double.POSITIVE_INFINITY)) {
        throw new DpParameterException("orders", "every Rényi order must be a finite number > 1, got " + a);
      }
    }
    return new RdpOrders(orders.clone());
  }

  public double[] values() {
    return orders.clone();
  }

  public int size() {
    return orders.length;
  }

  double at(int i) {
    return orders[i];
  }
}
