package io.cohort.lm.model;

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
    /** gelu'(f) of the MLP's pre-activation f (written over f by the forward pass). */
    float[] geluGrad;
    float[] g;
    Object mlpProjState;
  }

  /**
   * Returns the block's output; fills {@code s} when training. Arrays come from {@code ws} (null:
   * plain allocation); what the backward pass does not read goes straight back.
   */
  float[] forward(float[] x, Gpt2Shape shape, Pass pass, Saved s, Workspace ws) {
    int rows = pass.rows();
    int w = shape.width();
    float eps = shape.layerNormEps();
    float[] mean1 = new float[rows];
    float[] rstd1 = new float[rows];
    float[] a1 = Workspace.take(ws, rows * w);
    Ops.layerNorm(x, rows, w, ln1Gamma, ln1Beta, eps, a1, mean1, rstd1);
    Object[] st = new Object[1];
    float[] qkv = attn.forward(a1, pass, st, ws);
    Object attnState = st[0];
    Attention.State[] att = new Attention.State[1];
    float[] attnOut = Attention.forward(qkv, shape, pass, att, ws);
    Workspace.give(ws, qkv);
    float[] x2 = attnProj.forward(attnOut, pass, st, ws);
    Object attnProjState = st[0];
    Ops.addInPlace(x2, x, rows * w);
    float[] mean2 = new float[rows];
    float[] rstd2 = new float[rows];
    float[] a2 = Workspace.take(ws, rows * w);
    Ops.layerNorm(x2, rows, w, ln2Gamma, ln2Beta, eps, a2, mean2, rstd2);
    float[] f = fc.forward(a2, pass, st, ws);
    Object fcState = st[0];
    float[] g = Workspace.take(ws, f.length);
    if (pass.training()) {
      Ops.geluWithDerivative(f, g, f.length); // f now holds gelu'(f), all the backward pass needs of it
    } else {
      Ops.gelu(f, g, f.length);
    }
    float[] out = mlpProj.forward(g, pass, st, ws);
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
      s.geluGrad = f;
      s.mlpProjState = st[0];
      // Inputs of frozen layers are needed only by adapters; don't hold them otherwise.
      s.a1 = keepIfAdapted(attn, a1, ws);
      s.attnOut = keepIfAdapted(attnProj, attnOut, ws);
      s.a2 = keepIfAdapted(fc, a2, ws);
      s.g = keepIfAdapted(mlpProj, g, ws);
    }
    return out;
  }

  /**
   * Inference on {@code n} new tokens of one sequence after {@code past} cached ones: appends their
   * keys and values to {@code kCache}/{@code vCache} ([heads, n_positions, head_dim]) and returns the
   * block's output for them.
   */
  float[] forwardCached(float[] x, int n, Gpt2Shape shape, float[] kCache, float[] vCache, int past) {
    int w = shape.width();
    float eps = shape.layerNormEps();
    Pass pass = Pass.inference(1, n);
    Object[] st = new Object[1];
    float[] a1 = new float[n * w];
    Ops.layerNorm(x, n, w, ln1Gamma, ln1Beta, eps, a1, new float[n], new float[n]);
    float[] qkv = attn.forward(a1, pass, st, null);
    float[] attnOut = Attention.forwardCached(qkv, n, shape, kCache, vCache, past);
    float[] x2 = attnProj.forward(attnOut, pass, st, null);
    Ops.addInPlace(x2, x, n * w);
    float[] a2 = new float[n * w];
    Ops.layerNorm(x2, n, w, ln2Gamma, ln2Beta, eps, a2, new float[n], new float[n]);
    float[] f = fc.forward(a2, pass, st, null);
    float[] g = new float[f.length];
    Ops.gelu(f, g, f.length);
    float[] out = mlpProj.forward(g, pass, st, null);
    Ops.addInPlace(out, x2, n * w);
    return out;
  }

  private static float[] keepIfAdapted(Linear layer, float[] input, Workspace ws) {
    if (layer.adapter() != null) {
      return input;
    }
    Workspace.give(ws, input);
    return null;
  }

  /** Gives every saved array back when no backward pass will run through this block. */
  static void release(Saved s, Workspace ws) {
    Workspace.give(ws, s.x, s.a1, s.attnOut, s.x2, s.a2, s.geluGrad, s.g);
    if (s.attention != null) {
      Workspace.give(ws, s.attention.q(), s.attention.k(), s.attention.v(), s.attention.probs());
    }
  }

  /**
   * Adapter gradients of this block; returns the gradient of its input, or null if
   * {@code needInputGrad} is false. Gives the saved arrays and its temporaries back to {@code ws}
   * (the caller still owns {@code dOut}).
   */
  float[] backward(Saved s, float[] dOut, Gpt2Shape shape, Pass pass, boolean needInputGrad, Workspace ws) {
    int rows = pass.rows();
    int w = shape.width();
    float[] dg = mlpProj.backward(s.g, dOut, s.mlpProjState, pass, true, ws);
    Ops.mulInPlace(dg, s.geluGrad, dg.length);
    Workspace.give(ws, s.geluGrad, s.g);
    float[] da2 = fc.backward(s.a2, dg, s.fcState, pass, true, ws);
    Workspace.give(ws, dg, s.a2);
    float[] dx2 = Workspace.take(ws, rows * w);
    System.arraycopy(dOut, 0, dx2, 0, rows * w);
    Ops.layerNormBackward(da2, s.x2, rows, w, ln2Gamma, s.mean2, s.rstd2, dx2);
    Workspace.give(ws, da2, s.x2);
    float[] dAttnOut = attnProj.backward(s.attnOut, dx2, s.attnProjState, pass, true, ws);
    Workspace.give(ws, s.attnOut);
    float[] dqkv = Attention.backward(s.attention, dAttnOut, shape, pass, ws);
    Workspace.give(ws, dAttnOut);
    float[] da1 = attn.backward(s.a1, dqkv, s.attnState, pass, needInputGrad, ws);
    Workspace.give(ws, dqkv, s.a1);
    if (!needInputGrad) {
      Workspace.give(ws, dx2, s.x);
      return null;
    }
    Ops.layerNormBackward(da1, s.x, rows, w, ln1Gamma, s.mean1, s.rstd1, dx2);
    Workspace.give(ws, da1, s.x);
    return dx2;
  }
}
