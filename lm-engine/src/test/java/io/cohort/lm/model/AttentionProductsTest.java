package io.cohort.lm.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionProducts} against a double-precision reference of causal attention's forward and
 * backward pass, with and without GQA, at a sequence length that is not a multiple of 16. Under
 * {@link Precision#BF16} the reference rounds the same operands to BF16 as the products do (q, k, v,
 * the probabilities before P V, dO, and dS before dQ and dK), so what is checked is that nothing but
 * that rounding and FP32 arithmetic separates the two, also at large magnitudes.
 */
class AttentionProductsTest {
  private static final long SEED = 20261207L;
  private static final double FP32_TOLERANCE = 1e-4;
  private static final double BF16_TOLERANCE = 1e-2;

  @AfterEach
  void backToFp32() {
    Blas.setPrecision(Precision.FP32);
    AttentionProducts.perHead(false);
  }

  @Test
  void fp32_withoutGqa_matchesDoubleReference() {
    check(Precision.FP32, 2, 3, 3, 37, 16, 1.0, 1.0, FP32_TOLERANCE);
  }

  @Test
  void fp32_withGqa_matchesDoubleReference() {
    check(Precision.FP32, 2, 6, 2, 37, 16, 1.0, 1.0, FP32_TOLERANCE);
  }

  @Test
  void fp32_gpt2HeadShape_matchesDoubleReference() {
    check(Precision.FP32, 1, 4, 4, 128, 64, 1.0, 1.0, FP32_TOLERANCE);
  }

  @Test
  void attention_onItsPerHeadPath_matchesDoubleReference() {
    // What runs where oneDNN does not load (or with -Dcohort.attention=blas): one OpenBLAS call per head.
    AttentionProducts.perHead(true);
    check(Precision.FP32, 2, 6, 2, 37, 16, 1.0, 1.0, FP32_TOLERANCE);
    check(Precision.FP32, 1, 4, 4, 128, 64, 1.0, 1.0, FP32_TOLERANCE);
  }

  @Test
  void attention_runsBatchedInFp32WhereOneDnnLoads() {
    // Attention.heads is what the models call, and what check() calls: batched under FP32 too (session
    // 12), so the fp32 tests above check the batched path, not only AttentionProducts' own calls.
    assertThat(AttentionProducts.enabled()).as("oneDNN loads here (it ships for linux-x86_64), -Dcohort.attention=%s",
        System.getProperty("cohort.attention")).isEqualTo(!"blas".equals(System.getProperty("cohort.attention")));
  }

  @Test
  void bf16_withoutGqa_matchesReferenceOnBf16Operands() {
    check(Precision.BF16, 2, 3, 3, 37, 16, 1.0, 1.0, BF16_TOLERANCE);
  }

  @Test
  void bf16_withGqa_matchesReferenceOnBf16Operands() {
    check(Precision.BF16, 2, 14, 2, 37, 64, 1.0, 1.0, BF16_TOLERANCE);
  }

  @Test
  void bf16_largeMagnitudes_matchReferenceOnBf16Operands() {
    // Scores in the thousands (near one-hot softmax rows) and values in the thousands.
    check(Precision.BF16, 2, 6, 2, 37, 16, 20.0, 1000.0, BF16_TOLERANCE);
  }

  @Test
  void bf16_roundsItsOperands() {
    // Guards the BF16 tests above against passing on FP32 products: against the unrounded reference
    // the BF16 output must be off by more than FP32 arithmetic would be.
    Blas.setPrecision(Precision.BF16);
    SplittableRandom r = new SplittableRandom(SEED);
    int t = 37;
    int hd = 16;
    float[] q = random(r, t * hd, 1);
    float[] k = random(r, t * hd, 1);
    float[] v = random(r, t * hd, 1);
    float[] dO = random(r, t * hd, 1);
    float[] probs = new float[t * t];
    float[] o = new float[t * hd];
    AttentionProducts.forward(q, k, v, 1, 1, t, hd, 0.25f, probs, o);
    double[] refO = new double[o.length];
    double[] unused = new double[o.length];
    reference(false, q, 0, k, v, 0, dO, t, hd, 0.25f, new double[probs.length], 0, refO, unused, unused, unused, 0);
    double worst = 0;
    for (int i = 0; i < o.length; i++) {
      worst = Math.max(worst, Math.abs(o[i] - refO[i]));
    }
    assertThat(worst).as("BF16 o against the unrounded reference, seed %d", SEED).isGreaterThan(1e-4);
  }

  @Test
  void plans_coverEveryQueryHeadOnce_alsoWhenAGroupIsSplit() {
    int[][] cases = {{8, 7, 256, 16 * 128 * 128}, {8, 7, 256, 4 * 256 * 256}, {2, 7, 2048, 16 * 128 * 128},
        {192, 1, 128, 16 * 128 * 128}, {5, 3, 37, 2 * 37 * 37}};
    for (int[] c : cases) {
      AttentionProducts.Plan plan = AttentionProducts.Plan.of(c[0], c[1], c[2], c[3]);
      int[] seen = new int[c[0] * c[1]];
      for (int i = 0; i < plan.chunks(); i++) {
        assertThat(plan.ng(i) == c[1] || plan.nk(i) == 1).as("%s chunk %d", plan, i).isTrue();
        for (int kv = plan.k0(i); kv < plan.k0(i) + plan.nk(i); kv++) {
          for (int g = plan.g0(i); g < plan.g0(i) + plan.ng(i); g++) {
            seen[kv * c[1] + g]++;
          }
        }
      }
      int[] once = new int[seen.length];
      Arrays.fill(once, 1);
      assertThat(seen).as("%s", plan).isEqualTo(once);
    }
  }

  @Test
  void splitGroups_giveTheSameResultsAsWholeGroups() {
    SplittableRandom r = new SplittableRandom(SEED);
    int group = 3;
    int kvHeads = 2;
    int heads = kvHeads * group;
    int t = 37;
    int hd = 16;
    float[] q = random(r, heads * t * hd, 1);
    float[] k = random(r, kvHeads * t * hd, 1);
    float[] v = random(r, kvHeads * t * hd, 1);
    float[] dO = random(r, heads * t * hd, 1);
    float[][] whole = run(q, k, v, dO, heads, group, t, hd, AttentionProducts.Plan.of(kvHeads, group, t, 1L << 20));
    float[][] split = run(q, k, v, dO, heads, group, t, hd, AttentionProducts.Plan.of(kvHeads, group, t, 2L * t * t));
    for (int i = 0; i < whole.length; i++) {
      assertThat(split[i]).as("output %d, seed %d", i, SEED).containsExactly(whole[i], org.assertj.core.data.Offset
          .offset(1e-5f));
    }
  }

  /** Forward and backward chunk by chunk as {@code plan} cuts them: probs, o, dq, dk, dv. */
  private static float[][] run(float[] q, float[] k, float[] v, float[] dO, int heads, int group, int t, int hd,
      AttentionProducts.Plan plan) {
    float[] probs = new float[heads * t * t];
    float[] o = new float[heads * t * hd];
    float[] dS = new float[probs.length];
    float[] dq = new float[o.length];
    float[] dk = new float[o.length];
    float[] dv = new float[o.length];
    for (int c = 0; c < plan.chunks(); c++) {
      AttentionProducts.forwardChunk(false, q, k, v, plan.k0(c), plan.nk(c), plan.g0(c), plan.ng(c), group, t, hd,
          0.25f, probs, o);
    }
    for (int c = 0; c < plan.chunks(); c++) {
      AttentionProducts.backwardChunk(false, q, k, v, probs, dO, plan.k0(c), plan.nk(c), plan.g0(c), plan.ng(c),
          group, t, hd, 0.25f, dS, dq, dk, dv);
    }
    return new float[][] {probs, o, dq, dk, dv};
  }

  @Test
  void aChunkWritesOnlyItsOwnHeads() {
    SplittableRandom r = new SplittableRandom(SEED);
    int nh = 6;
    int nkv = 2;
    int group = nh / nkv;
    int b = 3;
    int t = 37;
    int hd = 16;
    int heads = b * nh;
    int kvHeads = b * nkv;
    float[] q = random(r, heads * t * hd, 1);
    float[] k = random(r, kvHeads * t * hd, 1);
    float[] v = random(r, kvHeads * t * hd, 1);
    float[] dO = random(r, heads * t * hd, 1);
    float[] probs = new float[heads * t * t];
    float[] o = new float[heads * t * hd];
    AttentionProducts.forward(q, k, v, heads, group, t, hd, 0.25f, probs, o);
    // Key/value heads [2, 4) of 6: query heads [6, 12).
    int k0 = 2;
    int nk = 2;
    float[] probsChunk = nanArray(probs.length);
    float[] oChunk = nanArray(o.length);
    AttentionProducts.forwardChunk(false, q, k, v, k0, nk, 0, group, group, t, hd, 0.25f, probsChunk, oChunk);
    assertOnlyRangeWritten(probsChunk, k0 * group * t * t, nk * group * t * t, "probs");
    assertOnlyRangeWritten(oChunk, k0 * group * t * hd, nk * group * t * hd, "o");
    float[][] grads = {nanArray(o.length), nanArray(o.length), nanArray(o.length), nanArray(probs.length)};
    AttentionProducts.backwardChunk(false, q, k, v, probs, dO, k0, nk, 0, group, group, t, hd, 0.25f, grads[3], grads[0],
        grads[1], grads[2]);
    for (int i = 0; i < 3; i++) {
      assertOnlyRangeWritten(grads[i], k0 * group * t * hd, nk * group * t * hd, "gradient " + i);
    }
    // dS is heap scratch only where the softmax's backward pass runs in Java: written there or not at all.
    assertNothingWrittenOutside(grads[3], k0 * group * t * t, nk * group * t * t, "dS");
    // A part of one group: query head 1 of key/value head 3 (global query head 10).
    int qh = 3 * group + 1;
    float[] probsPart = nanArray(probs.length);
    float[] oPart = nanArray(o.length);
    AttentionProducts.forwardChunk(false, q, k, v, 3, 1, 1, 1, group, t, hd, 0.25f, probsPart, oPart);
    assertOnlyRangeWritten(probsPart, qh * t * t, t * t, "probs of a group's part");
    assertOnlyRangeWritten(oPart, qh * t * hd, t * hd, "o of a group's part");
    float[][] partGrads = {nanArray(o.length), nanArray(o.length), nanArray(o.length), nanArray(probs.length)};
    AttentionProducts.backwardChunk(false, q, k, v, probs, dO, 3, 1, 1, 1, group, t, hd, 0.25f, partGrads[3],
        partGrads[0], partGrads[1], partGrads[2]);
    for (int i = 0; i < 3; i++) {
      assertOnlyRangeWritten(partGrads[i], qh * t * hd, t * hd, "gradient " + i + " of a group's part");
    }
    assertNothingWrittenOutside(partGrads[3], qh * t * t, t * t, "dS of a group's part");
  }

  private static void assertNothingWrittenOutside(float[] a, int from, int len, String what) {
    for (int i = 0; i < a.length; i++) {
      if (i < from || i >= from + len) {
        assertThat(Float.isNaN(a[i])).as("%s[%d] (chunk [%d, %d)) seed %d", what, i, from, from + len, SEED).isTrue();
      }
    }
  }

  private static float[] nanArray(int n) {
    float[] a = new float[n];
    Arrays.fill(a, Float.NaN);
    return a;
  }

  private static void assertOnlyRangeWritten(float[] a, int from, int len, String what) {
    for (int i = 0; i < a.length; i++) {
      boolean inside = i >= from && i < from + len;
      assertThat(Float.isNaN(a[i])).as("%s[%d] (chunk [%d, %d)) seed %d", what, i, from, from + len, SEED)
          .isEqualTo(!inside);
    }
  }

  /** b examples, nh query heads, nkv key/value heads; q, k scaled by qkScale, v and dO by vScale. */
  private static void check(Precision precision, int b, int nh, int nkv, int t, int hd, double qkScale,
      double vScale, double tolerance) {
    Blas.setPrecision(precision);
    boolean bf16 = precision == Precision.BF16;
    SplittableRandom r = new SplittableRandom(SEED);
    int heads = b * nh;
    int group = nh / nkv;
    int kvHeads = b * nkv;
    float[] q = random(r, heads * t * hd, qkScale);
    float[] k = random(r, kvHeads * t * hd, qkScale);
    float[] v = random(r, kvHeads * t * hd, vScale);
    float[] dO = random(r, heads * t * hd, vScale);
    float scale = (float) (1.0 / Math.sqrt(hd));
    float[] probs = new float[heads * t * t];
    float[] o = new float[heads * t * hd];
    // Through Attention, as the models call it: batched (AttentionProducts) unless the test chose the per-head path.
    Attention.heads(q, k, v, heads, group, t, hd, scale, probs, o);
    float[] dS = new float[probs.length];
    float[] dq = new float[o.length];
    float[] dk = new float[o.length];
    float[] dv = new float[o.length];
    Attention.headsBackward(q, k, v, probs, dO, heads, group, t, hd, scale, dS, dq, dk, dv);

    double[] refP = new double[probs.length];
    double[] refO = new double[o.length];
    double[] refDq = new double[o.length];
    double[] refDk = new double[o.length];
    double[] refDv = new double[o.length];
    for (int h = 0; h < heads; h++) {
      int kv = h / group;
      reference(bf16, q, h * t * hd, k, v, kv * t * hd, dO, t, hd, scale, refP, h * t * t, refO, refDq, refDk,
          refDv, h * t * hd);
    }
    String path = AttentionProducts.enabled() ? " batched" : " per head";
    String shape = precision + path + " b=" + b + " nh=" + nh + " nkv=" + nkv + " t=" + t + " hd=" + hd + " seed " + SEED;
    assertClose(probs, refP, tolerance, "probs " + shape);
    assertClose(o, refO, tolerance, "o " + shape);
    assertClose(dq, refDq, tolerance, "dq " + shape);
    assertClose(dk, refDk, tolerance, "dk " + shape);
    assertClose(dv, refDv, tolerance, "dv " + shape);
  }

  /** The largest error relative to the largest reference magnitude must be under the tolerance. */
  private static void assertClose(float[] got, double[] ref, double tolerance, String what) {
    double scale = 0;
    for (double x : ref) {
      scale = Math.max(scale, Math.abs(x));
    }
    double worst = 0;
    int at = -1;
    for (int i = 0; i < ref.length; i++) {
      double e = Math.abs(got[i] - ref[i]);
      if (!(e <= worst)) {
        worst = e;
        at = i;
      }
    }
    assertThat(worst / scale).as("%s: worst at %d (got %s, want %s), scale %s", what, at,
        at < 0 ? "-" : got[at], at < 0 ? "-" : ref[at], scale).isLessThanOrEqualTo(tolerance);
  }

  /** One query head's forward and backward in double; with bf16, operands rounded as the products round them. */
  private static void reference(boolean bf16, float[] q, int qo, float[] k, float[] v, int ko, float[] dO, int t,
      int hd, float scale, double[] p, int po, double[] o, double[] dq, double[] dk, double[] dv, int oo) {
    double[][] s = new double[t][t];
    for (int i = 0; i < t; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j <= i; j++) {
        double dot = 0;
        for (int d = 0; d < hd; d++) {
          dot += round(bf16, q[qo + i * hd + d]) * round(bf16, k[ko + j * hd + d]);
        }
        s[i][j] = scale * dot;
        max = Math.max(max, s[i][j]);
      }
      double sum = 0;
      for (int j = 0; j <= i; j++) {
        s[i][j] = Math.exp(s[i][j] - max);
        sum += s[i][j];
      }
      for (int j = 0; j <= i; j++) {
        s[i][j] /= sum;
        p[po + i * t + j] = s[i][j];
      }
    }
    for (int i = 0; i < t; i++) {
      for (int d = 0; d < hd; d++) {
        double acc = 0;
        for (int j = 0; j <= i; j++) {
          acc += round(bf16, s[i][j]) * round(bf16, v[ko + j * hd + d]);
        }
        o[oo + i * hd + d] = acc;
      }
    }
    // dP = dO V^T; dS = P (dP - rowsum(P dP)); dq = scale dS K; dk = scale dS^T Q; dv = P^T dO.
    double[][] ds = new double[t][t];
    for (int i = 0; i < t; i++) {
      double dot = 0;
      for (int j = 0; j <= i; j++) {
        double dp = 0;
        for (int d = 0; d < hd; d++) {
          dp += round(bf16, dO[qo + i * hd + d]) * round(bf16, v[ko + j * hd + d]);
        }
        ds[i][j] = dp;
        dot += s[i][j] * dp;
      }
      for (int j = 0; j <= i; j++) {
        ds[i][j] = round(bf16, s[i][j] * (ds[i][j] - dot));
      }
    }
    for (int i = 0; i < t; i++) {
      for (int d = 0; d < hd; d++) {
        double aq = 0;
        double ak = 0;
        double av = 0;
        for (int j = 0; j < t; j++) {
          aq += ds[i][j] * round(bf16, k[ko + j * hd + d]);
          ak += ds[j][i] * round(bf16, q[qo + j * hd + d]);
          av += round(bf16, s[j][i]) * round(bf16, dO[qo + j * hd + d]);
        }
        dq[oo + i * hd + d] = scale * aq;
        dk[oo + i * hd + d] = scale * ak;
        dv[oo + i * hd + d] = av;
      }
    }
  }

  /** x rounded to BF16 (nearest even) when bf16, else x as a float. */
  private static double round(boolean bf16, double x) {
    float f = (float) x;
    if (!bf16 || Float.isNaN(f) || Float.isInfinite(f)) {
      return f;
    }
    int bits = Float.floatToRawIntBits(f);
    bits = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
    return Float.intBitsToFloat(bits);
  }

  private static float[] random(SplittableRandom r, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * scale);
    }
    return v;
  }
}
