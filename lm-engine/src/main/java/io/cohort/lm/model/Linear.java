package io.cohort.lm.model;

/**
 * A frozen GPT-2 Conv1D layer, {@code y = x W + b} with W stored [in, out], and an optional
 * trainable adapter. The base weight lives off-heap ({@link NativeMatrix}) and is never written.
 */
public final class Linear {
  private final String path;
  private final NativeMatrix weight;
  private final float[] bias;
  private LinearAdapter adapter;

  /** {@code path} is the Hugging Face module path, e.g. {@code transformer.h.0.attn.c_attn}. */
  public Linear(String path, float[] weightInOut, int in, int out, float[] bias) {
    if (bias.length != out) {
      throw new IllegalArgumentException(path + ".bias: expected " + out + " values, got " + bias.length);
    }
    this.path = path;
    this.weight = new NativeMatrix(weightInOut, in, out);
    this.bias = bias;
  }

  public String path() {
    return path;
  }

  public int in() {
    return weight.rows();
  }

  public int out() {
    return weight.cols();
  }

  public NativeMatrix weight() {
    return weight;
  }

  public float[] bias() {
    return bias;
  }

  public LinearAdapter adapter() {
    return adapter;
  }

  public void setAdapter(LinearAdapter adapter) {
    this.adapter = adapter;
  }

  /** {@code y = x W + b (+ adapter)} for {@code rows} rows; {@code state[0]} receives the adapter's state; {@code ws} may be null. */
  float[] forward(float[] x, Pass pass, Object[] state, Workspace ws) {
    int rows = pass.rows();
    float[] y = Workspace.take(ws, rows * out());
    LinearAdapter.LowRank low = adapter == null ? null : adapter.lowRank(pass);
    if (low != null) {
      // u = x A^T from the frozen product's own off-heap copy of x (one copy of x, not two).
      // ... and y += scale u B^T added to the slice's off-heap y before it is copied back.
      float[] u = new float[rows * low.r()];
      boolean added = Blas.gemmBias(rows, out(), in(), x, weight, bias, y,
          new Blas.Side(low.a(), low.r(), true, 1f, u, low.b(), true, low.scale()));
      state[0] = adapter.forward(x, u, added, y, pass);
    } else {
      Blas.gemmBias(rows, out(), in(), x, weight, bias, y);
      if (adapter != null) {
        state[0] = adapter.forward(x, y, pass);
      }
    }
    return y;
  }

  /** Adapter gradients from {@code dy}; returns {@code dy W^T} (+ adapter part), or null if {@code needInputGrad} is false. */
  float[] backward(float[] x, float[] dy, Object state, Pass pass, boolean needInputGrad, Workspace ws) {
    int rows = pass.rows();
    float[] dx = null;
    float[] du = null;
    boolean added = false;
    if (needInputGrad) {
      dx = Workspace.take(ws, rows * in());
      LinearAdapter.LowRank low = adapter == null ? null : adapter.lowRank(pass);
      Blas.Side side = null;
      if (low != null) {
        // du = scale dy B from the frozen product's own off-heap copy of dy, and dx += du A added to
        // the slice's off-heap dx before it is copied back.
        du = new float[rows * low.r()];
        side = new Blas.Side(low.b(), low.r(), false, low.scale(), du, low.a(), false, 1f);
      }
      added = Blas.gemm(false, true, rows, in(), out(), 1f, dy, 0, out(), weight, 0f, dx, 0, in(), side);
    }
    if (adapter != null) {
      adapter.backward(state, x, dy, du, added, dx, pass);
    }
    return dx;
  }
}
