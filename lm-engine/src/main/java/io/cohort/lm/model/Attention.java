package io.cohort.lm.model;

/**
 * Causal multi-head self-attention on a fused q|k|v projection ([rows, 3 * width]), scaled by
 * 1/sqrt(head_dim). Heads are first laid out head-major ([batch, heads, seq, head_dim]) so that every
 * per-head product is one contiguous BLAS call; the softmax runs in parallel over all rows.
 * Right padding needs no extra mask: under the causal mask real tokens never see later (padding) ones.
 */
final class Attention {
  private Attention() {
  }

  /** What the backward pass needs: head-major q, k, v and the attention probabilities [batch, heads, seq, seq]. */
  record State(float[] q, float[] k, float[] v, float[] probs) {
  }

  static float[] forward(float[] qkv, Gpt2Shape shape, Pass pass, State[] keep, Workspace ws) {
    int b = pass.batch();
    int t = pass.seqLen();
    int h = shape.heads();
    int hd = shape.headDim();
    int w = shape.width();
    int headSize = t * hd;
    float[] q = Workspace.take(ws, b * h * headSize);
    float[] k = Workspace.take(ws, q.length);
    float[] v = Workspace.take(ws, q.length);
    splitHeads(qkv, b, t, h, hd, w, q, k, v);
    float scale = (float) (1.0 / Math.sqrt(hd));
    float[] probs = Workspace.take(ws, b * h * t * t);
    float[] o = Workspace.take(ws, q.length);
    heads(q, k, v, b * h, 1, t, hd, scale, probs, o);
    float[] out = Workspace.take(ws, b * t * w);
    mergeHeads(o, b, t, h, hd, w, out, 0, w);
    Workspace.give(ws, o);
    if (pass.training()) {
      keep[0] = new State(q, k, v, probs);
    } else {
      Workspace.give(ws, q, k, v, probs);
    }
    return out;
  }

  /**
   * Causal attention of {@code n} new tokens (fused q|k|v rows [n, 3 * width]) at positions
   * {@code past..past+n-1} of one sequence: their keys and values are written into the caches
   * ([heads, n_positions, head_dim]) and each attends to positions {@code 0..own}. Returns the
   * merged output [n, width].
   */
  static float[] forwardCached(float[] qkv, int n, Gpt2Shape shape, float[] kCache, float[] vCache, int past) {
    int h = shape.heads();
    int hd = shape.headDim();
    int w = shape.width();
    int cap = shape.positions();
    for (int r = 0; r < n; r++) {
      for (int hi = 0; hi < h; hi++) {
        int dst = (hi * cap + past + r) * hd;
        System.arraycopy(qkv, r * 3 * w + w + hi * hd, kCache, dst, hd);
        System.arraycopy(qkv, r * 3 * w + 2 * w + hi * hd, vCache, dst, hd);
      }
    }
    float scale = (float) (1.0 / Math.sqrt(hd));
    float[] out = new float[n * w];
    Parallel.forEach(n * h, 4L * (past + n) * hd, task -> {
      int r = task / h;
      int hi = task % h;
      int last = past + r;
      float[] p = new float[last + 1];
      int q = r * 3 * w + hi * hd;
      int kBase = hi * cap * hd;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j <= last; j++) {
        float dot = 0f;
        int ko = kBase + j * hd;
        for (int d = 0; d < hd; d++) {
          dot += qkv[q + d] * kCache[ko + d];
        }
        p[j] = dot * scale;
        max = Math.max(max, p[j]);
      }
      double sum = 0;
      for (int j = 0; j <= last; j++) {
        float e = (float) Math.exp(p[j] - max);
        p[j] = e;
        sum += e;
      }
      float inv = (float) (1.0 / sum);
      int o = r * w + hi * hd;
      for (int j = 0; j <= last; j++) {
        float pj = p[j] * inv;
        int vo = kBase + j * hd;
        for (int d = 0; d < hd; d++) {
          out[o + d] += pj * vCache[vo + d];
        }
      }
    });
    return out;
  }

  /**
   * Gradient with respect to the fused q|k|v input, given the gradient of the merged output. Gives
   * the state's arrays back to {@code ws}: they are read for the last time here.
   */
  static float[] backward(State s, float[] dOut, Gpt2Shape shape, Pass pass, Workspace ws) {
    int b = pass.batch();
    int t = pass.seqLen();
    int h = shape.heads();
    int hd = shape.headDim();
    int w = shape.width();
    float[] dO = Workspace.take(ws, s.q.length);
    splitOne(dOut, b, t, h, hd, w, dO);
    float[] dS = Workspace.take(ws, s.probs.length);
    float[] dv = Workspace.take(ws, s.q.length);
    float[] dq = Workspace.take(ws, s.q.length);
    float[] dk = Workspace.take(ws, s.q.length);
    float[] p = s.probs;
    float scale = (float) (1.0 / Math.sqrt(hd));
    headsBackward(s.q, s.k, s.v, p, dO, b * h, 1, t, hd, scale, dS, dq, dk, dv);
    float[] dqkv = Workspace.take(ws, b * t * 3 * w);
    mergeHeads(dq, b, t, h, hd, w, dqkv, 0, 3 * w);
    mergeHeads(dk, b, t, h, hd, w, dqkv, w, 3 * w);
    mergeHeads(dv, b, t, h, hd, w, dqkv, 2 * w, 3 * w);
    Workspace.give(ws, dO, dS, dv, dq, dk, s.q, s.k, s.v, s.probs);
    return dqkv;
  }

  /**
   * Causal attention of {@code heads} query heads, head-major: q, o [heads, t, hd]; k, v
   * [heads / group, t, hd], query head {@code i} reading key/value head {@code i / group} (GQA; 1
   * for plain multi-head attention); writes the probabilities [heads, t, t] and o. As batched oneDNN
   * products ({@link AttentionProducts}) wherever oneDNN loads; otherwise one task per head — scores,
   * causal softmax and the weighted sum of values while the t x t probabilities are still in cache —
   * each calling single-threaded BLAS (the products are small, t x t x hd), the tasks side by side.
   */
  static void heads(float[] q, float[] k, float[] v, int heads, int group, int t, int hd, float scale,
      float[] probs, float[] o) {
    if (AttentionProducts.enabled()) {
      AttentionProducts.forward(q, k, v, heads, group, t, hd, scale, probs, o);
      return;
    }
    Parallel.forEach(heads, 4L * t * t * hd, i -> {
      int qo = i * t * hd;
      int ko = i / group * t * hd;
      int po = i * t * t;
      Blas.gemm(false, true, t, t, hd, scale, q, qo, hd, k, ko, hd, 0f, probs, po, t);
      softmaxCausal(probs, po, t);
      Blas.gemm(false, false, t, hd, t, 1f, probs, po, t, v, ko, hd, 0f, o, qo, hd);
    });
  }

  /**
   * The backward pass of {@link #heads}: given dO [heads, t, hd], writes dq [heads, t, hd] and the
   * key and value gradients per query head, dk and dv [heads, t, hd] (with GQA the caller sums a
   * group's into its key/value head); {@code dS} [heads, t, t] is scratch.
   */
  static void headsBackward(float[] q, float[] k, float[] v, float[] p, float[] dO, int heads, int group, int t,
      int hd, float scale, float[] dS, float[] dq, float[] dk, float[] dv) {
    if (AttentionProducts.enabled()) {
      AttentionProducts.backward(q, k, v, p, dO, heads, group, t, hd, scale, dS, dq, dk, dv);
      return;
    }
    Parallel.forEach(heads, 8L * t * t * hd, i -> {
      int qo = i * t * hd;
      int ko = i / group * t * hd;
      int po = i * t * t;
      Blas.gemm(false, true, t, t, hd, 1f, dO, qo, hd, v, ko, hd, 0f, dS, po, t);
      Blas.onBlas(true, false, t, hd, t, 1f, p, po, t, dO, qo, hd, 0f, dv, qo, hd);
      for (int row = 0; row < t; row++) {
        softmaxCausalRowBackward(p, dS, po + row * t, row, t);
      }
      Blas.gemm(false, false, t, hd, t, scale, dS, po, t, k, ko, hd, 0f, dq, qo, hd);
      Blas.onBlas(true, false, t, hd, t, scale, dS, po, t, q, qo, hd, 0f, dk, qo, hd);
    });
  }

  /** dS = p * (dS - sum(p * dS)) over the causal part of one row; zero above the diagonal. */
  static void softmaxCausalRowBackward(float[] p, float[] dS, int o, int last, int t) {
    if (Kernels.VECTORIZED) {
      Kernels.softmaxCausalRowBackward(p, dS, o, last, t);
      return;
    }
    double dot = 0;
    for (int j = 0; j <= last; j++) {
      dot += p[o + j] * dS[o + j];
    }
    float d = (float) dot;
    for (int j = 0; j <= last; j++) {
      dS[o + j] = p[o + j] * (dS[o + j] - d);
    }
    for (int j = last + 1; j < t; j++) {
      dS[o + j] = 0f;
    }
  }

  /** Causal softmax over the {@code t x t} score block at {@code s[o ..]}. */
  static void softmaxCausal(float[] s, int o, int t) {
    if (Kernels.VECTORIZED) {
      Kernels.softmaxCausalBlock(s, o, t);
      return;
    }
    for (int row = 0; row < t; row++) {
      softmaxCausalRow(s, o + row * t, row, t);
    }
  }

  static void softmaxCausalRow(float[] s, int o, int last, int t) {
    if (Kernels.VECTORIZED) {
      Kernels.softmaxCausalRow(s, o, last, t);
      return;
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j <= last; j++) {
      max = Math.max(max, s[o + j]);
    }
    double sum = 0;
    for (int j = 0; j <= last; j++) {
      float e = (float) Math.exp(s[o + j] - max);
      s[o + j] = e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    for (int j = 0; j <= last; j++) {
      s[o + j] *= inv;
    }
    for (int j = last + 1; j < t; j++) {
      s[o + j] = 0f;
    }
  }

  private static void splitHeads(float[] qkv, int b, int t, int h, int hd, int w, float[] q, float[] k, float[] v) {
    Parallel.forEach(b * t, 3L * w, row -> {
      int bi = row / t;
      int ti = row % t;
      int src = row * 3 * w;
      for (int hi = 0; hi < h; hi++) {
        int dst = ((bi * h + hi) * t + ti) * hd;
        System.arraycopy(qkv, src + hi * hd, q, dst, hd);
        System.arraycopy(qkv, src + w + hi * hd, k, dst, hd);
        System.arraycopy(qkv, src + 2 * w + hi * hd, v, dst, hd);
      }
    });
  }

  private static void splitOne(float[] x, int b, int t, int h, int hd, int w, float[] out) {
    Parallel.forEach(b * t, w, row -> {
      int bi = row / t;
      int ti = row % t;
      for (int hi = 0; hi < h; hi++) {
        System.arraycopy(x, row * w + hi * hd, out, ((bi * h + hi) * t + ti) * hd, hd);
      }
    });
  }

  /** Writes head-major {@code o} into rows of {@code out} at column offset {@code col} with row stride {@code ld}. */
  private static void mergeHeads(float[] o, int b, int t, int h, int hd, int w, float[] out, int col, int ld) {
    Parallel.forEach(b * t, w, row -> {
      int bi = row / t;
      int ti = row % t;
      for (int hi = 0; hi < h; hi++) {
        System.arraycopy(o, ((bi * h + hi) * t + ti) * hd, out, row * ld + col + hi * hd, hd);
      }
    });
  }
}
