package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vectorisable element-wise kernels against double-precision references, on random and
 * adversarial inputs: large magnitudes, -infinity in a causal row, rows whose entries all but one
 * underflow, rows far from zero for layer norm. Every random case prints its seed on failure.
 */
class KernelsTest {
  private static final long SEED = 20261207L;

  @Test
  void exponentialIsWithinTwoUlpOfMathExpAndZeroWhereFloatUnderflows() {
    SplittableRandom rnd = new SplittableRandom(SEED);
    int n = 20_000;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (-110 * rnd.nextDouble() * rnd.nextDouble());
    }
    float[] edges = {0f, -0f, -1e-30f, -Float.MIN_VALUE, -0.34657359f, -0.3465736f, -1f, -86.9f, -87.3f, -88f,
        -100f, -103.2f, -103.3f, -103.9f, -104f, -104.5f, -200f, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY};
    System.arraycopy(edges, 0, x, 0, edges.length);
    float[] v = x.clone();
    float[] zero = new float[n];
    Kernels.expShifted(v, zero, n, new float[n], new float[n]);
    for (int i = 0; i < n; i++) {
      double ref = Math.exp(x[i]);
      String what = String.format("x=%s got %s exp=%s (seed %d)", x[i], v[i], ref, SEED);
      if (ref >= Float.MIN_NORMAL) {
        assertThat(Math.abs(v[i] - ref)).as(what).isLessThanOrEqualTo(2 * Math.ulp((float) ref));
      } else {
        // subnormal or zero in float: within two of the smallest steps, and never negative
        assertThat(Math.abs(v[i] - ref)).as(what).isLessThanOrEqualTo(2 * (double) Float.MIN_VALUE);
        assertThat(v[i]).as(what).isGreaterThanOrEqualTo(0f);
      }
    }
    assertThat(v[edges.length - 1]).as("exp(-inf)").isEqualTo(0f);
    assertThat(v[edges.length - 2]).as("exp(-MAX_VALUE)").isEqualTo(0f);
    assertThat(v[0]).as("exp(0)").isEqualTo(1f);
  }

  @Test
  void exponentialSubtractsTheShiftAndKeepsNaN() {
    float[] v = {3f, 2.5f, Float.NaN, 10f};
    float[] shift = {3f, 3f, 3f, 10f};
    Kernels.expShifted(v, shift, 4, new float[4], new float[4]);
    assertThat(v[0]).isEqualTo(1f);
    assertThat((double) v[1]).isCloseTo(Math.exp(-0.5), org.assertj.core.data.Offset.offset(1e-7));
    assertThat(v[2]).isNaN();
    assertThat(v[3]).isEqualTo(1f);
  }

  @Test
  void causalSoftmaxMatchesDoubleReferenceOnRandomAndAdversarialBlocks() {
    for (int t : new int[] {1, 2, 7, 31, 32, 33, 64, 100, 128}) {
      for (int kind = 0; kind < 4; kind++) {
        long seed = SEED + 100L * t + kind;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] s = new float[t * t];
        for (int i = 0; i < s.length; i++) {
          s[i] = switch (kind) {
            case 0 -> (float) (rnd.nextGaussian() * 3);
            case 1 -> (float) (rnd.nextGaussian() * 1e4); // huge spread: most entries underflow
            case 2 -> rnd.nextInt(5) == 0 ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian(); // masks
            default -> (float) (1e30 + rnd.nextGaussian()); // far from zero, all equal in float
          };
        }
        for (int r = 0; r < t; r++) {
          s[r * t + rnd.nextInt(r + 1)] = (float) rnd.nextGaussian(); // at least one finite entry per row
          for (int j = r + 1; j < t; j++) {
            s[r * t + j] = (float) (rnd.nextGaussian() * 50); // garbage above the diagonal
          }
        }
        for (int path = 0; path < 2; path++) { // the Java kernel, then the one attention runs (oneDNN where it loads)
        float[] got = s.clone();
        if (path == 0) {
          Kernels.javaSoftmaxCausalBlock(got, 0, t);
        } else {
          Kernels.softmaxCausalBlock(got, 0, t);
        }
        for (int r = 0; r < t; r++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= r; j++) {
            max = Math.max(max, s[r * t + j]);
          }
          double z = 0;
          for (int j = 0; j <= r; j++) {
            z += Math.exp((double) s[r * t + j] - max);
          }
          for (int j = 0; j < t; j++) {
            double ref = j <= r ? Math.exp((double) s[r * t + j] - max) / z : 0;
            float p = got[r * t + j];
            assertThat(Math.abs(p - ref))
                .as("path=%d t=%d kind=%d row=%d col=%d score=%s got %s want %s (seed %d)", path, t, kind, r, j,
                    s[r * t + j], p, ref, seed)
                .isLessThanOrEqualTo(1e-6 * ref + 1e-7);
            if (j > r || s[r * t + j] == Float.NEGATIVE_INFINITY) {
              assertThat(p).isEqualTo(0f);
            }
          }
        }
        }
      }
    }
  }

  @Test
  void singleRowSoftmaxAgreesWithTheBlockKernel() {
    SplittableRandom rnd = new SplittableRandom(SEED);
    int t = 50;
    float[] s = new float[t * t];
    for (int i = 0; i < s.length; i++) {
      s[i] = (float) (rnd.nextGaussian() * 4);
    }
    float[] block = s.clone();
    Kernels.javaSoftmaxCausalBlock(block, 0, t);
    float[] rows = s.clone();
    for (int r = 0; r < t; r++) {
      Kernels.softmaxCausalRow(rows, r * t, r, t);
    }
    for (int i = 0; i < s.length; i++) {
      assertThat(Math.abs(rows[i] - block[i])).as("i=%d (seed %d)", i, SEED).isLessThanOrEqualTo(1e-7f);
    }
  }

  @Test
  void causalSoftmaxBackwardMatchesDoubleReference() {
    for (int t : new int[] {1, 5, 64, 129}) {
      long seed = SEED + t;
      SplittableRandom rnd = new SplittableRandom(seed);
      float[] p = new float[t * t];
      float[] dS = new float[t * t];
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) (rnd.nextGaussian() * 5);
        dS[i] = (float) (rnd.nextGaussian() * (i % 7 == 0 ? 1e4 : 1));
      }
      Kernels.javaSoftmaxCausalBlock(p, 0, t);
      float[] got = dS.clone();
      for (int r = 0; r < t; r++) {
        Kernels.softmaxCausalRowBackward(p, got, r * t, r, t);
      }
      for (int r = 0; r < t; r++) {
        double dot = 0;
        double scale = 0;
        for (int j = 0; j <= r; j++) {
          dot += (double) p[r * t + j] * dS[r * t + j];
          scale += Math.abs((double) p[r * t + j] * dS[r * t + j]);
        }
        for (int j = 0; j < t; j++) {
          double ref = j <= r ? p[r * t + j] * (dS[r * t + j] - dot) : 0;
          double tol = 1e-5 * (Math.abs(ref) + p[r * t + j] * scale) + 1e-12;
          assertThat(Math.abs(got[r * t + j] - ref)).as("t=%d row=%d col=%d (seed %d)", t, r, j, seed)
              .isLessThanOrEqualTo(tol);
        }
      }
    }
  }

  @Test
  void layerNormForwardAndBackwardMatchDoubleReference() {
    int rows = 9;
    for (int width : new int[] {1, 3, 64, 768, 1001}) {
      for (double offset : new double[] {0, 1e4}) {
        long seed = SEED + width + (long) offset;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[rows * width];
        float[] dy = new float[rows * width];
        float[] gamma = new float[width];
        float[] beta = new float[width];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) (offset + rnd.nextGaussian() * (i % 5 == 0 ? 30 : 1));
          dy[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < width; i++) {
          gamma[i] = (float) (1 + rnd.nextGaussian() * 0.3);
          beta[i] = (float) rnd.nextGaussian();
        }
        float eps = 1e-5f;
        float[] out = new float[x.length];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        float[] dx = new float[x.length];
        java.util.Arrays.fill(dx, 0.25f); // the kernel adds to what is there
        for (int r = 0; r < rows; r++) {
          Kernels.layerNormRow(x, r, width, gamma, beta, eps, out, mean, rstd);
          Kernels.layerNormBackwardRow(dy, x, r, width, gamma, mean, rstd, dx);
        }
        // Inputs far from zero are only known to their float ulp (1e-3 at 1e4), relative to unit spread.
        double tol = offset == 0 ? 2e-5 : 4e-3;
        for (int r = 0; r < rows; r++) {
          int o = r * width;
          double mu = 0;
          for (int i = 0; i < width; i++) {
            mu += x[o + i];
          }
          mu /= width;
          double var = 0;
          for (int i = 0; i < width; i++) {
            var += (x[o + i] - mu) * (x[o + i] - mu);
          }
          var /= width;
          double rs = 1 / Math.sqrt(var + eps);
          double sumG = 0;
          double sumGx = 0;
          for (int i = 0; i < width; i++) {
            double g = (double) dy[o + i] * gamma[i];
            sumG += g;
            sumGx += g * (x[o + i] - mu) * rs;
          }
          for (int i = 0; i < width; i++) {
            double xh = (x[o + i] - mu) * rs;
            double ref = xh * gamma[i] + beta[i];
            String what = String.format("width=%d offset=%s row=%d i=%d (seed %d)", width, offset, r, i, seed);
            assertThat(Math.abs(out[o + i] - ref)).as("forward " + what)
                .isLessThanOrEqualTo(tol * (1 + Math.abs(ref)));
            double g = (double) dy[o + i] * gamma[i];
            double refDx = 0.25 + rs * (g - sumG / width - xh * sumGx / width);
            assertThat(Math.abs(dx[o + i] - refDx)).as("backward " + what)
                .isLessThanOrEqualTo(tol * (1 + Math.abs(refDx)) * Math.max(1, rs));
          }
        }
      }
    }
  }

  @Test
  void geluBackwardMatchesDoubleReferenceIncludingLargeMagnitudes() {
    SplittableRandom rnd = new SplittableRandom(SEED);
    int n = 5000;
    float[] x = new float[n];
    float[] dy = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 1e4 : 3));
      dy[i] = (float) rnd.nextGaussian();
    }
    x[0] = 0f;
    x[1] = 1e6f; // beyond about 1e12, x^3 overflows and the derivative is NaN, as it always was
    x[2] = -1e6f;
    float[] got = dy.clone();
    Kernels.geluBackwardRange(x, got, 0, n);
    double c = Math.sqrt(2 / Math.PI);
    for (int i = 0; i < n; i++) {
      double v = x[i];
      double u = c * (v + 0.044715 * v * v * v);
      double t = Double.isFinite(u) ? Math.tanh(u) : Math.signum(u);
      double d = 0.5 * (1 + t) + (Math.abs(v) > 1e3 ? 0 : 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v));
      double ref = dy[i] * d;
      assertThat(Math.abs(got[i] - ref)).as("x=%s dy=%s (seed %d)", x[i], dy[i], SEED)
          .isLessThanOrEqualTo(1e-5 * (1 + Math.abs(ref)));
    }
  }

  /**
   * SwiGLU and its backward pass against double precision: Gaussian gates and up projections, plus
   * gates at 0, -0, +-2^-70 (where the branch-free sigmoid blends its two halves), +-5, +-20, +-88
   * and +-100 (e^-g overflows a float), +-1e30 (silu(g) = g or -0), on block and chunk edges.
   */
  @Test
  void swiGluAndItsBackwardPassMatchDoublePrecision() {
    SplittableRandom rnd = new SplittableRandom(SEED + 9);
    int n = 3 * Kernels.BLOCK + 77;
    float[] g = new float[n];
    float[] u = new float[n];
    float[] da = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) (rnd.nextGaussian() * 4);
      u[i] = (float) rnd.nextGaussian();
      da[i] = (float) rnd.nextGaussian();
    }
    float[] edges = {0f, -0f, 0x1p-70f, -0x1p-70f, 5f, -5f, 20f, -20f, 88f, -88f, 100f, -100f, 1e30f, -1e30f};
    System.arraycopy(edges, 0, g, Kernels.BLOCK - 5, edges.length);
    float[] a = new float[n];
    float[] dg = new float[n];
    float[] du = new float[n];
    int from = 3;
    int to = n - 2;
    Kernels.swiGlu(g, u, a, from, to);
    Kernels.swiGluBackward(g, u, da, dg, du, from, to);
    for (int i = 0; i < n; i++) {
      if (i < from || i >= to) {
        assertThat(a[i]).as("outside the range").isEqualTo(0f);
        continue;
      }
      double x = g[i];
      double sig = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
      double silu = x * sig;
      String what = String.format("g=%s u=%s (seed %d)", g[i], u[i], SEED + 9);
      assertThat((double) a[i]).as("swiGlu " + what).isCloseTo(silu * u[i], within(silu * u[i]));
      assertThat((double) du[i]).as("du " + what).isCloseTo(da[i] * silu, within(da[i] * silu));
      double dgExact = da[i] * u[i] * sig * (1 + x * (1 - sig));
      // (1 - sig) rounds in float: dg is as close as the float sigmoid allows, about 1e-7 * |g| relative.
      assertThat((double) dg[i]).as("dg " + what).isCloseTo(dgExact,
          org.assertj.core.data.Offset.offset(4e-7 * Math.abs(da[i] * u[i]) * (1 + Math.abs(x)) + 1e-37));
    }
  }

  private static org.assertj.core.data.Offset<Double> within(double exact) {
    return org.assertj.core.data.Offset.offset(1e-6 * Math.abs(exact) + 1e-37);
  }
}
