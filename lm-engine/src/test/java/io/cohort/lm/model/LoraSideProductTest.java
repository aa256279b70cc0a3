package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.format.peft.LoraInit;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModule;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A LoRA layer whose {@code u = x A^T} and {@code du = s dy B} are formed beside the frozen products
 * from their own off-heap copies of x and dy ({@link Blas.Side}): output, input gradient and the
 * adapter's gradients equal the formula in double, with the frozen products cut into row slices
 * (two threads) and whole (one thread); under BF16 the side products stay FP32.
 */
class LoraSideProductTest {
  private static final long SEED = 20261210L;

  @AfterEach
  void restore() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    Blas.setPrecision(Precision.FP32);
  }

  @Test
  void slicedAndWholeFrozenProducts_giveTheFormulasOutputAndGradients() {
    for (int threads : new int[] {2, 1}) {
      Parallel.setThreads(threads);
      check(threads, Precision.FP32);
    }
  }

  @Test
  void underBf16_theAdaptersGradientsStayFp32() {
    Parallel.setThreads(2);
    Blas.setPrecision(Precision.BF16);
    check(2, Precision.BF16);
  }

  private static void check(int threads, Precision precision) {
    int in = 96;
    int out = 160;
    int r = 8;
    int batch = 3;
    int seq = 100;
    int rows = batch * seq;
    SplittableRandom rnd = new SplittableRandom(SEED + threads);
    float[] w = random(rnd, in * out); // [in, out]
    float[] bias = random(rnd, out);
    Linear linear = new Linear("layer", w, in, out, bias);
    LoraModule lora = new LoraModule("layer", in, out, new LoraConfig(r, 16f, 0f, List.of("all-linear"), false, SEED),
        new LoraInit(SEED));
    float[] bv = lora.loraB().value();
    for (int i = 0; i < bv.length; i++) {
      bv[i] = (float) rnd.nextGaussian(); // a trained B: the delta is not zero
    }
    linear.setAdapter(lora);
    float[] a = lora.loraA().value();
    float s = lora.scale();
    float[] x = random(rnd, rows * in);
    float[] dy = random(rnd, rows * out);
    Pass pass = Pass.training(batch, seq, false, null);
    Object[] st = new Object[1];
    float[] y = linear.forward(x, pass, st, null);
    float[] dx = linear.backward(x, dy, st[0], pass, true, null);

    double[] u = new double[rows * r];
    double[] du = new double[rows * r];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < r; j++) {
        for (int c = 0; c < in; c++) {
          u[i * r + j] += (double) x[i * in + c] * a[j * in + c];
        }
        for (int o = 0; o < out; o++) {
          du[i * r + j] += s * (double) dy[i * out + o] * bv[o * r + j];
        }
      }
    }
    String what = "threads " + threads + ", " + precision + ", seed " + SEED;
    double tolY = precision == Precision.BF16 ? 0.1 : 1e-3;
    for (int i = 0; i < rows; i += 7) {
      for (int o = 0; o < out; o++) {
        double want = bias[o];
        for (int c = 0; c < in; c++) {
          want += (double) x[i * in + c] * w[c * out + o];
        }
        for (int j = 0; j < r; j++) {
          want += s * u[i * r + j] * bv[o * r + j];
        }
        assertThat((double) y[i * out + o]).as("y[%d][%d], %s", i, o, what).isCloseTo(want, within(tolY));
      }
      for (int c = 0; c < in; c++) {
        double want = 0;
        for (int o = 0; o < out; o++) {
          want += (double) dy[i * out + o] * w[c * out + o];
        }
        for (int j = 0; j < r; j++) {
          want += du[i * r + j] * a[j * in + c];
        }
        assertThat((double) dx[i * in + c]).as("dx[%d][%d], %s", i, c, what).isCloseTo(want, within(tolY));
      }
    }
    float[] gb = lora.loraB().grad();
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < r; j++) {
        double want = 0;
        for (int i = 0; i < rows; i++) {
          want += s * (double) dy[i * out + o] * u[i * r + j];
        }
        assertThat((double) gb[o * r + j]).as("dB[%d][%d], %s", o, j, what).isCloseTo(want, within(1e-3 + 1e-5 * Math.abs(want)));
      }
    }
    float[] ga = lora.loraA().grad();
    for (int j = 0; j < r; j++) {
      for (int c = 0; c < in; c++) {
        double want = 0;
        for (int i = 0; i < rows; i++) {
          want += du[i * r + j] * x[i * in + c];
        }
        assertThat((double) ga[j * in + c]).as("dA[%d][%d], %s", j, c, what).isCloseTo(want, within(1e-3 + 1e-5 * Math.abs(want)));
      }
    }
  }

  private static float[] random(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return v;
  }
}
