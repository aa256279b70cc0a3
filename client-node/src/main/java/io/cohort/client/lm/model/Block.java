package io.cohort.client.lm.model;

/** One GPT-2 transformer block (pre-norm): attention then MLP, each around a residual connection. */
final class Block {
  final float[] ln1Gamma;
  final float[] ln1Beta;
  final Linear attn;
  final Linear attnProj;
  final float[] ln2Gamma;
  final float[] ln2Beta;
  final Linear fc;
  final Linear mlpProj;

  Block(float[] ln1Gamma, float[] ln1Beta, Linear attn, Linear attnProj, float[] ln2Gamma, float[] ln2Beta,
      Linear fc, Linear mlpProj) {
    this.ln1Gamma = ln1Gamma;
    this.ln1Beta = ln1Beta;
    this.attn = attn;
    this.attnProj = attnProj;
    this.ln2Gamma = ln2Gamma;
    this.ln2Beta = ln2Beta;
    this.fc = fc;
    this.mlpProj = mlpProj;
  }

  /** Activations one block keeps for its backward pass. */
  static final class Saved {
    float[] x;
    float[] mean1;
    float[] rstd1;
    float[] a1;
    Object attnState;
    Attention.State attention;
    float[] attnOut;
    Object attnProjState;
    float[] x2;
    float[] mean2;
    float[] rstd2;
    float[] a2;
    Object fcState;
    float[] f;
    float[] g;
    Object mlpProjState;
  }

  /** Returns the block's output; fills {@code s} when training. */
  float[] forward(float[] x, Gpt2Shape shape, Pass pass, Saved s) {
    int rows = pass.rows();
    int w = shape.width();
    float eps = shape.layerNormEps();
    float[] mean1 = new float[rows];
    float[] rstd1 = new float[rows];
    float[] a1 = new float[rows * w];
    Ops.layerNorm(x, rows, w, ln1Gamma, ln1Beta, eps, a1, mean1, rstd1);
    Object[] st = new Object[1];
    float[] qkv = attn.forward(a1, pass, st);
    Object attnState = st[0];
    Attention.State[] att = new Attention.State[1];
    float[] attnOut = Attention.forward(qkv, shape, pass, att);
    float[] x2 = attnProj.forward(attnOut, pass, st);
    Object attnProjState = st[0];
    Ops.addInPlace(x2, x, rows * w);
    float[] mean2 = new float[rows];
    float[] rstd2 = new float[rows];
    float[] a2 = new float[rows * w];
    Ops.layerNorm(x2, rows, w, ln2Gamma, ln2Beta, eps, a2, mean2, rstd2);
    float[] f = fc.forward(a2, pass, st);
    Object fcState = st[0];
    float[] g = new float[f.length];
    Ops.gelu(f, g, f.length);
    float[] out = mlpProj.forward(g, pass, st);
    Ops.addInPlace(out, x2, rows * w);
    if (pass.training()) {
      s.x = x;
      s.mean1 = mean1;
      s.rstd1 = rstd1;
      s.attnState = attnState;
      s.attention = att[0];
      s.attnProjState = attnProjState;
      s.x2 = x2;
      s.mean2 = mean2;
      s.rstd2 = rstd2;
      s.fcState = fcState;
      s.f = f;
      s.mlpProjState = st[0];
      // Inputs of frozen layers are needed only by adapters; don't hold them otherwise.
      s.a1 = attn.adapter() != null ? a1 : null;
      s.attnOut = attnProj.adapter() != null ? attnOut : null;
      s.a2 = fc.adapter() != null ? a2 : null;
      s.g = mlpProj.adapter() != null ? g : null;
    }
    return out;
  }

  /** Adapter gradients of this block; returns the gradient of its input, or null if {@code needInputGrad} is false. */
  float[] backward(Saved s, float[] dOut, Gpt2Shape shape, Pass pass, boolean needInputGrad) {
    int rows = pass.rows();
    int w = shape.width();
    float[] dg = mlpProj.backward(s.g, dOut, s.mlpProjState, pass, true);
    Ops.geluBackwardInPlace(s.f, dg, dg.length);
    float[] da2 = fc.backward(s.a2, dg, s.fcState, pass, true);
    float[] dx2 = dOut.clone();
    Ops.layerNormBackward(da2, s.x2, rows, w, ln2Gamma, s.mean2, s.rstd2, dx2);
    float[] dAttnOut = attnProj.backward(s.attnOut, dx2, s.attnProjState, pass, true);
    float[] dqkv = Attention.backward(s.attention, dAttnOut, shape, pass);
    float[] da1 = attn.backward(s.a1, dqkv, s.attnState, pass, needInputGrad);
    if (!needInputGrad) {
      return null;
    }
    Ops.layerNormBackward(da1, s.x, rows, w, ln1Gamma, s.mean1, s.rstd1, dx2);
    return dx2;
  }
}
