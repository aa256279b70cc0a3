package io.cohort.lm.model;

import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.format.checkpoint.LlamaCheckpoint;
import io.cohort.format.checkpoint.LlamaConfig;
import io.cohort.format.checkpoint.UncheckedCheckpointException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2/2.5, Qwen3; transformers' modeling_llama,
 * modeling_mistral, modeling_qwen2, modeling_qwen3) with frozen base weights: pre-norm blocks of
 * RMSNorm, rotary position embeddings (rotate-half, optional {@code llama3} frequency scaling),
 * grouped-query causal attention with optional q/k/v bias and optional per-head q/k RMSNorm
 * (Qwen3), and a SwiGLU MLP {@code down(silu(gate(x)) * up(x))}; final RMSNorm; output head tied
 * to the token embedding or a separate {@code lm_head}. Everything is float32.
 *
 * <p>Linear layers carry their Hugging Face module paths ({@code model.layers.0.self_attn.q_proj}),
 * so LoRA adapters and PEFT keys follow PEFT's naming. Backward computes only adapter gradients.
 * Training passes allocate fresh activation arrays (the GPT-2 path's {@link Workspace} recycling is
 * not used here yet).
 */
public final class LlamaModel implements LanguageModel {
  private final LlamaConfig config;
  private final float[] embed;
  private final float[] head;
  private final Layer[] layers;
  private final float[] finalNorm;
  private final Map<String, Linear> linears;
  private final float[] invFreq;
  private NativeMatrix headNative;
  private boolean recomputeActivations;
  /** Recycled activation arrays of training passes (see {@link Workspace}). */
  private final Workspace workspace = new Workspace();
  private boolean recycle = true;

  /** Builds the model of a loaded checkpoint (its tensor arrays are used, not copied, where no transpose is needed). */
  public static LlamaModel fromCheckpoint(LlamaCheckpoint checkpoint) throws CheckpointException {
    // The checkpoint's shapes were checked from its headers; its tensors are read one at a time as
    // the layers take them, so the heap never holds a float32 copy of the whole checkpoint.
    try {
      return new LlamaModel(checkpoint.config(), name -> {
        CheckpointTensor x = checkpoint.tensors().get(name);
        return x == null ? null : x.data();
      });
    } catch (UncheckedCheckpointException e) {
      throw e.getCause();
    }
  }

  /**
   * Builds the model from tensors under Hugging Face names and layouts ({@code nn.Linear} weights
   * [out, in]); every tensor's presence and size is checked first.
   */
  public static LlamaModel fromTensors(LlamaConfig config, Map<String, float[]> tensors) {
    for (Map.Entry<String, int[]> e : LlamaCheckpoint.expectedShapes(config).entrySet()) {
      float[] v = tensors.get(e.getKey());
      if (v == null) {
        throw new IllegalArgumentException("missing tensor " + e.getKey());
      }
      long n = 1;
      for (int d : e.getValue()) {
        n *= d;
      }
      if (v.length != n) {
        throw new IllegalArgumentException("tensor " + e.getKey() + " has " + v.length + " values, expected " + n);
      }
    }
    return new LlamaModel(config, tensors::get);
  }

  private LlamaModel(LlamaConfig c, Function<String, float[]> t) {
    this.config = c;
    int d = c.hiddenSize();
    int qw = c.numHeads() * c.headDim();
    int kvw = c.numKvHeads() * c.headDim();
    int in = c.intermediateSize();
    this.embed = t.apply("model.embed_tokens.weight");
    this.head = c.tieWordEmbeddings() ? embed : t.apply(LlamaCheckpoint.LM_HEAD);
    this.finalNorm = t.apply("model.norm.weight");
    this.layers = new Layer[c.numLayers()];
    Map<String, Linear> lin = new LinkedHashMap<>();
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      Layer l = new Layer();
      l.inNorm = t.apply(p + "input_layernorm.weight");
      l.postNorm = t.apply(p + "post_attention_layernorm.weight");
      l.q = linear(t, p + "self_attn.q_proj", d, qw);
      l.k = linear(t, p + "self_attn.k_proj", d, kvw);
      l.v = linear(t, p + "self_attn.v_proj", d, kvw);
      l.o = linear(t, p + "self_attn.o_proj", qw, d);
      if (c.qkNorm()) {
        l.qNorm = t.apply(p + "self_attn.q_norm.weight");
        l.kNorm = t.apply(p + "self_attn.k_norm.weight");
      }
      l.gate = linear(t, p + "mlp.gate_proj", d, in);
      l.up = linear(t, p + "mlp.up_proj", d, in);
      l.down = linear(t, p + "mlp.down_proj", in, d);
      for (Linear x : List.of(l.q, l.k, l.v, l.o, l.gate, l.up, l.down)) {
        lin.put(x.path(), x);
      }
      layers[i] = l;
    }
    this.linears = Collections.unmodifiableMap(lin);
    this.invFreq = inverseFrequencies(c);
  }

  /** A frozen layer from an {@code nn.Linear} weight [out, in] (transposed to the engine's [in, out]). */
  private static Linear linear(Function<String, float[]> t, String path, int in, int out) {
    float[] w = t.apply(path + ".weight");
    float[] wt = new float[w.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        wt[i * out + o] = w[o * in + i];
      }
    }
    float[] bias = t.apply(path + ".bias");
    return new Linear(path, wt, in, out, bias == null ? new float[out] : bias);
  }

  /** RoPE inverse frequencies {@code theta^(-2i/d)}, with transformers' {@code llama3} scaling when configured. */
  static float[] inverseFrequencies(LlamaConfig c) {
    int hd = c.headDim();
    float[] inv = new float[hd / 2];
    LlamaConfig.RopeScaling rs = c.ropeScaling();
    for (int i = 0; i < inv.length; i++) {
      // As transformers: the exponent and power in float32.
      float exponent = (float) (2 * i) / hd;
      double f = 1.0 / (float) Math.pow(c.ropeTheta(), exponent);
      if (rs != null) {
        double lowWavelen = rs.originalMaxPositions() / rs.lowFreqFactor();
        double highWavelen = rs.originalMaxPositions() / rs.highFreqFactor();
        double wavelen = 2 * Math.PI / f;
        double scaled = wavelen > lowWavelen ? f / rs.factor() : f;
        if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
          double smooth = (rs.originalMaxPositions() / wavelen - rs.lowFreqFactor())
              / (rs.highFreqFactor() - rs.lowFreqFactor());
          scaled = (1 - smooth) * scaled / rs.factor() + smooth * scaled;
        }
        f = scaled;
      }
      inv[i] = (float) f;
    }
    return inv;
  }

  /** The training passes' recycled arrays (tests). */
  Workspace workspace() {
    return workspace;
  }

  /** Whether training passes recycle their arrays (tests compare against fresh arrays). */
  void recycleActivations(boolean on) {
    recycle = on;
  }

  public LlamaConfig config() {
    return config;
  }

  @Override
  public int width() {
    return config.hiddenSize();
  }

  @Override
  public int vocabSize() {
    return config.vocabSize();
  }

  @Override
  public int maxPositions() {
    return config.slidingWindow() > 0 ? Math.min(config.slidingWindow(), config.maxPositions())
        : config.maxPositions();
  }

  @Override
  public Map<String, Linear> linears() {
    return linears;
  }

  @Override
  public List<Parameter> adapterParameters() {
    List<Parameter> out = new ArrayList<>();
    for (Linear l : linears.values()) {
      if (l.adapter() != null) {
        out.addAll(l.adapter().trainable());
      }
    }
    return out;
  }

  /** The token embedding [vocab, hidden] (frozen). */
  public float[] tokenEmbedding() {
    return embed;
  }

  private static final class Layer {
    float[] inNorm;
    float[] postNorm;
    float[] qNorm;
    float[] kNorm;
    Linear q;
    Linear k;
    Linear v;
    Linear o;
    Linear gate;
    Linear up;
    Linear down;

    boolean adapted() {
      for (Linear l : List.of(q, k, v, o, gate, up, down)) {
        if (l.adapter() != null) {
          return true;
        }
      }
      return false;
    }
  }

  /** Activations of one layer for its backward pass. */
  private static final class Saved {
    /** Only {@link #x} and the dropout seed are kept; the rest is recomputed in the backward pass. */
    boolean recompute;
    long dropoutSeed;
    float[] x;
    float[] r1;
    float[] h1;
    Object qSt;
    Object kSt;
    Object vSt;
    float[] qPre;
    float[] kPre;
    float[] rq;
    float[] rk;
    float[] qh;
    float[] kh;
    float[] vh;
    float[] probs;
    float[] o;
    Object oSt;
    float[] x2;
    float[] r2;
    float[] h2;
    float[] g;
    float[] u;
    float[] a;
    Object gateSt;
    Object upSt;
    Object downSt;
  }

  private static final class Activations implements ForwardState {
    final Pass pass;
    final Saved[] layers;
    float[] last;
    float[] rFinal;
    float[] cos;
    float[] sin;
    Workspace ws;
    boolean consumed;

    Activations(Pass pass, int n) {
      this.pass = pass;
      this.layers = new Saved[n];
    }
  }

  @Override
  public float[] forward(int[] ids, Pass pass, ForwardState[] saved) {
    int t = pass.seqLen();
    int rows = pass.rows();
    int d = config.hiddenSize();
    if (ids.length != rows) {
      throw new IllegalArgumentException("expected " + rows + " token ids, got " + ids.length);
    }
    if (t > maxPositions()) {
      throw new IllegalArgumentException("sequence length " + t + " exceeds the model's " + maxPositions()
          + " positions" + (config.slidingWindow() > 0 ? " (sliding_window " + config.slidingWindow()
          + " is not implemented, so longer sequences are refused)" : ""));
    }
    Workspace ws = pass.training() && recycle ? workspace : null;
    if (ws != null) {
      ws.begin(pass.batch(), t);
    }
    float[] x = Workspace.take(ws, rows * d);
    Parallel.forEach(rows, d, r -> {
      int id = ids[r];
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + config.vocabSize() + ")");
      }
      System.arraycopy(embed, id * d, x, r * d, d);
    });
    float[][] cs = ropeTables(t);
    Activations acts = new Activations(pass, layers.length);
    acts.cos = cs[0];
    acts.sin = cs[1];
    float[] h = x;
    boolean recompute = pass.training() && recomputeActivations;
    for (int i = 0; i < layers.length; i++) {
      Saved s = new Saved();
      if (recompute) {
        // Each layer draws its dropout masks from its own seed, so the backward pass can replay them.
        s.dropoutSeed = pass.dropout() == null ? 0 : pass.dropout().nextLong();
        float[] in = h;
        h = layerForward(layers[i], h, layerPass(pass, s.dropoutSeed), cs[0], cs[1], s, ws);
        release(s, false, ws);
        Saved kept = new Saved();
        kept.recompute = true;
        kept.dropoutSeed = s.dropoutSeed;
        kept.x = in;
        s = kept;
      } else {
        h = layerForward(layers[i], h, pass, cs[0], cs[1], s, ws);
      }
      acts.layers[i] = s;
    }
    float[] out = new float[rows * d];
    float[] r = new float[rows];
    rmsNorm(h, rows, d, finalNorm, (float) config.rmsNormEps(), out, r);
    if (pass.training()) {
      acts.last = h;
      acts.rFinal = r;
      acts.ws = ws;
      saved[0] = acts;
    }
    return out;
  }

  /** cos and sin [seqLen, headDim/2] of each position's rotation angles (angles in float32, as transformers). */
  private float[][] ropeTables(int t) {
    return ropeTables(0, t);
  }

  /** cos and sin [n, headDim/2] of positions {@code from..from+n-1}. */
  private float[][] ropeTables(int from, int n) {
    int half = invFreq.length;
    float[] cos = new float[n * half];
    float[] sin = new float[n * half];
    for (int r = 0; r < n; r++) {
      int p = from + r;
      for (int i = 0; i < half; i++) {
        float angle = (float) p * invFreq[i];
        cos[r * half + i] = (float) Math.cos(angle);
        sin[r * half + i] = (float) Math.sin(angle);
      }
    }
    return new float[][] {cos, sin};
  }

  /**
   * Keys (after q/k norm and RoPE) and values of one sequence per layer, [kvHeads, capacity,
   * headDim], for incremental decoding ({@link #forwardCached}). The capacity doubles as tokens
   * come, up to the model's positions, so a model with a 128k context does not allocate all of it
   * for a short answer.
   */
  public static final class KvCache implements DecodeCache {
    final float[][] keys;
    final float[][] values;
    int capacity;
    int length;

    KvCache(int layers) {
      keys = new float[layers][0];
      values = new float[layers][0];
    }

    @Override
    public int length() {
      return length;
    }

    void ensure(int needed, int kvHeads, int hd, int max) {
      if (needed <= capacity) {
        return;
      }
      int cap = Math.min(max, Math.max(needed, Math.max(32, 2 * capacity)));
      for (int l = 0; l < keys.length; l++) {
        keys[l] = regrow(keys[l], kvHeads, hd, cap);
        values[l] = regrow(values[l], kvHeads, hd, cap);
      }
      capacity = cap;
    }

    private float[] regrow(float[] old, int kvHeads, int hd, int cap) {
      float[] out = new float[kvHeads * cap * hd];
      for (int h = 0; h < kvHeads; h++) {
        System.arraycopy(old, h * capacity * hd, out, h * cap * hd, length * hd);
      }
      return out;
    }
  }

  @Override
  public KvCache newDecodeCache() {
    return new KvCache(layers.length);
  }

  @Override
  public float[] forwardCached(int[] ids, DecodeCache decodeCache) {
    if (!(decodeCache instanceof KvCache cache) || cache.keys.length != layers.length) {
      throw new IllegalArgumentException("a Llama-family model decodes with its own cache (newDecodeCache)");
    }
    int n = ids.length;
    int past = cache.length;
    int d = config.hiddenSize();
    if (n == 0) {
      return new float[0];
    }
    if (past + n > maxPositions()) {
      throw new IllegalArgumentException("sequence length " + (past + n) + " exceeds the model's " + maxPositions()
          + " positions");
    }
    cache.ensure(past + n, config.numKvHeads(), config.headDim(), maxPositions());
    float[] x = new float[n * d];
    for (int r = 0; r < n; r++) {
      int id = ids[r];
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + config.vocabSize() + ")");
      }
      System.arraycopy(embed, id * d, x, r * d, d);
    }
    float[][] cs = ropeTables(past, n);
    for (int i = 0; i < layers.length; i++) {
      x = layerCached(layers[i], x, n, cs[0], cs[1], cache.keys[i], cache.values[i], cache.capacity, past);
    }
    cache.length = past + n;
    float[] out = new float[n * d];
    rmsNorm(x, n, d, finalNorm, (float) config.rmsNormEps(), out, new float[n]);
    return out;
  }

  /**
   * One layer on {@code n} new tokens at positions {@code past..past+n-1}: the arithmetic of
   * {@link #layerForward} in inference, with the new keys and values appended to the layer's cache
   * ([kvHeads, cap, headDim]) and each new query attending to the cached positions and to the new
   * ones up to its own.
   */
  private float[] layerCached(Layer l, float[] x, int n, float[] cos, float[] sin, float[] kc, float[] vc, int cap,
      int past) {
    int d = config.hiddenSize();
    int nh = config.numHeads();
    int nkv = config.numKvHeads();
    int hd = config.headDim();
    float eps = (float) config.rmsNormEps();
    Pass pass = Pass.inference(1, n);
    Object[] st = new Object[1];
    float[] h1 = new float[n * d];
    rmsNorm(x, n, d, l.inNorm, eps, h1, new float[n]);
    float[] qh = toHeads(l.q.forward(h1, pass, st, null), 1, n, nh, hd);
    float[] kh = toHeads(l.k.forward(h1, pass, st, null), 1, n, nkv, hd);
    float[] vh = toHeads(l.v.forward(h1, pass, st, null), 1, n, nkv, hd);
    if (l.qNorm != null) {
      float[] qn = new float[qh.length];
      float[] kn = new float[kh.length];
      rmsNorm(qh, nh * n, hd, l.qNorm, eps, qn, new float[nh * n]);
      rmsNorm(kh, nkv * n, hd, l.kNorm, eps, kn, new float[nkv * n]);
      qh = qn;
      kh = kn;
    }
    rope(qh, nh, n, hd, cos, sin, false);
    rope(kh, nkv, n, hd, cos, sin, false);
    for (int h = 0; h < nkv; h++) {
      System.arraycopy(kh, h * n * hd, kc, (h * cap + past) * hd, n * hd);
      System.arraycopy(vh, h * n * hd, vc, (h * cap + past) * hd, n * hd);
    }
    float[] oh = new float[nh * n * hd];
    int group = nh / nkv;
    float scale = (float) (1.0 / Math.sqrt(hd));
    float[] q = qh;
    Parallel.forEach(nh * n, 4L * (past + n) * hd, task -> {
      int h = task / n;
      int r = task % n;
      int last = past + r;
      int qo = (h * n + r) * hd;
      int kBase = (h / group) * cap * hd;
      float[] p = new float[last + 1];
      for (int j = 0; j <= last; j++) {
        float dot = 0f;
        int ko = kBase + j * hd;
        for (int e = 0; e < hd; e++) {
          dot += q[qo + e] * kc[ko + e];
        }
        p[j] = scale * dot;
      }
      Attention.softmaxCausalRow(p, 0, last, last + 1);
      for (int j = 0; j <= last; j++) {
        float pj = p[j];
        int vo = kBase + j * hd;
        for (int e = 0; e < hd; e++) {
          oh[qo + e] += pj * vc[vo + e];
        }
      }
    });
    float[] x2 = l.o.forward(fromHeads(oh, 1, n, nh, hd), pass, st, null);
    Ops.addInPlace(x2, x, n * d);
    float[] h2 = new float[n * d];
    rmsNorm(x2, n, d, l.postNorm, eps, h2, new float[n]);
    float[] g = l.gate.forward(h2, pass, st, null);
    float[] u = l.up.forward(h2, pass, st, null);
    float[] a = new float[g.length];
    swiGlu(g, u, a);
    float[] out = l.down.forward(a, pass, st, null);
    Ops.addInPlace(out, x2, n * d);
    return out;
  }

  /**
   * Activation recomputation (gradient checkpointing): when on, a training forward pass keeps only
   * each decoder layer's input, and the backward pass runs each layer's forward again just before
   * its backward, so the activations held at once are the layer inputs plus one layer's
   * intermediates instead of every layer's (about 20 times less at the Qwen2.5-0.5B shape), for
   * about one more forward pass of compute. Gradients are the same: the recomputed layer sees the
   * same input, weights and dropout masks (each layer's masks come from its own recorded seed).
   */
  @Override
  public void setActivationRecomputation(boolean on) {
    this.recomputeActivations = on;
  }

  @Override
  public boolean supportsActivationRecomputation() {
    return true;
  }

  /**
   * Counts the float arrays {@link #layerForward} keeps per layer (and what recomputation keeps
   * instead), plus the largest transient arrays of one layer's backward (attention score gradients,
   * the per-head q/k/v gradients, the MLP's); LoRA's rank-r states are small and counted once per
   * adapted module.
   */
  @Override
  public long trainingActivationBytes(int batch, int seqLen, boolean recompute) {
    LlamaConfig c = config;
    long rows = (long) batch * seqLen;
    long d = c.hiddenSize();
    long qw = (long) c.numHeads() * c.headDim();
    long kvw = (long) c.numKvHeads() * c.headDim();
    long inter = c.intermediateSize();
    long scores = (long) batch * c.numHeads() * seqLen * seqLen;
    long lora = 0;
    for (Linear l : linears.values()) {
      if (l.adapter() != null) {
        lora += rows * 64; // u = x A^T (r <= 64 assumed for the estimate)
      }
    }
    lora /= Math.max(1, layers.length);
    long perLayer = rows * (4 * d + 2 + 2 * qw + 2 * kvw + 3 * inter) + scores + lora
        + (c.qkNorm() ? rows * (qw + kvw) : 0);
    long transient_ = 2 * scores + rows * (3 * qw + 3 * inter + 2 * d);
    long kept = recompute ? layers.length * rows * d + perLayer : layers.length * perLayer;
    return 4 * (kept + transient_ + 3 * rows * d);
  }

  public boolean activationRecomputation() {
    return recomputeActivations;
  }

  private static Pass layerPass(Pass pass, long dropoutSeed) {
    return pass.dropout() == null ? pass : pass.withDropout(new SplittableRandom(dropoutSeed));
  }

  /**
   * One decoder layer; fills {@code s} when training. Arrays come from {@code ws} (null: fresh ones)
   * and those the backward pass does not read go back to it before this returns.
   */
  private float[] layerForward(Layer l, float[] x, Pass pass, float[] cos, float[] sin, Saved s, Workspace ws) {
    int b = pass.batch();
    int t = pass.seqLen();
    int rows = pass.rows();
    int d = config.hiddenSize();
    int nh = config.numHeads();
    int nkv = config.numKvHeads();
    int hd = config.headDim();
    float eps = (float) config.rmsNormEps();
    float[] r1 = new float[rows];
    float[] h1 = Workspace.take(ws, rows * d);
    rmsNorm(x, rows, d, l.inNorm, eps, h1, r1);
    Object[] st = new Object[1];
    float[] q = l.q.forward(h1, pass, st, ws);
    s.qSt = st[0];
    float[] k = l.k.forward(h1, pass, st, ws);
    s.kSt = st[0];
    float[] v = l.v.forward(h1, pass, st, ws);
    s.vSt = st[0];
    float[] qRaw = toHeads(q, b, t, nh, hd, ws);
    float[] kRaw = toHeads(k, b, t, nkv, hd, ws);
    float[] vh = toHeads(v, b, t, nkv, hd, ws);
    Workspace.give(ws, q, k, v);
    final float[] qh;
    final float[] kh;
    if (l.qNorm != null) {
      s.qPre = qRaw;
      s.kPre = kRaw;
      s.rq = new float[b * nh * t];
      s.rk = new float[b * nkv * t];
      qh = Workspace.take(ws, qRaw.length);
      kh = Workspace.take(ws, kRaw.length);
      rmsNorm(qRaw, b * nh * t, hd, l.qNorm, eps, qh, s.rq);
      rmsNorm(kRaw, b * nkv * t, hd, l.kNorm, eps, kh, s.rk);
    } else {
      qh = qRaw;
      kh = kRaw;
    }
    rope(qh, b * nh, t, hd, cos, sin, false);
    rope(kh, b * nkv, t, hd, cos, sin, false);
    float[] probs = Workspace.take(ws, b * nh * t * t);
    float[] oh = Workspace.take(ws, b * nh * t * hd);
    int group = nh / nkv;
    float scale = (float) (1.0 / Math.sqrt(hd));
    // Query head bh = bi nh + j reads key/value head bi nkv + j / group = bh / group.
    Attention.heads(qh, kh, vh, b * nh, group, t, hd, scale, probs, oh);
    float[] o = fromHeads(oh, b, t, nh, hd, ws);
    Workspace.give(ws, oh);
    float[] x2 = l.o.forward(o, pass, st, ws);
    s.oSt = st[0];
    Ops.addInPlace(x2, x, rows * d);
    float[] r2 = new float[rows];
    float[] h2 = Workspace.take(ws, rows * d);
    rmsNorm(x2, rows, d, l.postNorm, eps, h2, r2);
    float[] g = l.gate.forward(h2, pass, st, ws);
    s.gateSt = st[0];
    float[] u = l.up.forward(h2, pass, st, ws);
    s.upSt = st[0];
    float[] a = Workspace.take(ws, g.length);
    swiGlu(g, u, a);
    float[] out = l.down.forward(a, pass, st, ws);
    s.downSt = st[0];
    Ops.addInPlace(out, x2, rows * d);
    if (pass.training()) {
      s.x = x;
      s.r1 = r1;
      s.h1 = h1;
      s.qh = qh;
      s.kh = kh;
      s.vh = vh;
      s.probs = probs;
      s.o = o;
      s.x2 = x2;
      s.r2 = r2;
      s.h2 = h2;
      s.g = g;
      s.u = u;
      s.a = a;
    }
    return out;
  }

  @Override
  public void backward(ForwardState state, float[] dHidden) {
    Activations acts = (Activations) state;
    if (acts.consumed) {
      throw new IllegalStateException("these activations were already used by a backward pass; run forward again");
    }
    acts.consumed = true;
    Pass pass = acts.pass;
    Workspace ws = acts.ws;
    int rows = pass.rows();
    int d = config.hiddenSize();
    float[] dx = Workspace.zeros(ws, rows * d);
    rmsNormBackward(dHidden, acts.last, rows, d, finalNorm, acts.rFinal, dx);
    Workspace.give(ws, acts.last);
    acts.last = null;
    int lowest = layers.length;
    for (int i = 0; i < layers.length; i++) {
      if (layers[i].adapted()) {
        lowest = i;
        break;
      }
    }
    for (int i = layers.length - 1; i >= lowest; i--) {
      Saved s = acts.layers[i];
      acts.layers[i] = null; // what this layer saved is garbage once its gradients are out
      if (s.recompute) {
        Saved full = new Saved();
        Workspace.give(ws, layerForward(layers[i], s.x, layerPass(pass, s.dropoutSeed), acts.cos, acts.sin, full,
            ws));
        s = full;
      }
      float[] dIn = layerBackward(layers[i], s, dx, pass, acts.cos, acts.sin, i > lowest, ws);
      Workspace.give(ws, dx);
      release(s, true, ws);
      dx = dIn;
    }
    Workspace.give(ws, dx);
    // Layers below the lowest adapted one get no backward pass; their arrays go back unread.
    for (int i = 0; i < lowest; i++) {
      if (acts.layers[i] != null) {
        release(acts.layers[i], true, ws);
        acts.layers[i] = null;
      }
    }
  }

  /**
   * Gives a layer's saved arrays back to {@code ws} (its input {@code x} too when {@code withInput}:
   * a recomputed layer's input is the kept one, read again by nothing once its backward is done).
   */
  private static void release(Saved s, boolean withInput, Workspace ws) {
    Workspace.give(ws, s.h1, s.qPre, s.kPre, s.qh, s.kh, s.vh, s.probs, s.o, s.x2, s.h2, s.g, s.u, s.a);
    if (withInput) {
      Workspace.give(ws, s.x);
    }
  }

  /**
   * One layer's backward pass: LoRA gradients, and (needInputGrad) the gradient of its input in an
   * array from {@code ws}. Its own temporaries go back to {@code ws}; {@code s} and {@code dOut} stay
   * with the caller.
   */
  private float[] layerBackward(Layer l, Saved s, float[] dOut, Pass pass, float[] cos, float[] sin,
      boolean needInputGrad, Workspace ws) {
    int b = pass.batch();
    int t = pass.seqLen();
    int rows = pass.rows();
    int d = config.hiddenSize();
    int nh = config.numHeads();
    int nkv = config.numKvHeads();
    int hd = config.headDim();
    // MLP
    float[] da = l.down.backward(s.a, dOut, s.downSt, pass, true, ws);
    float[] dg = Workspace.take(ws, da.length);
    float[] du = Workspace.take(ws, da.length);
    swiGluBackward(s.g, s.u, da, dg, du);
    Workspace.give(ws, da);
    float[] dh2 = l.gate.backward(s.h2, dg, s.gateSt, pass, true, ws);
    float[] dh2u = l.up.backward(s.h2, du, s.upSt, pass, true, ws);
    Workspace.give(ws, dg, du);
    Ops.addInPlace(dh2, dh2u, dh2.length);
    float[] dx2 = Workspace.take(ws, dOut.length);
    System.arraycopy(dOut, 0, dx2, 0, dOut.length);
    rmsNormBackward(dh2, s.x2, rows, d, l.postNorm, s.r2, dx2);
    Workspace.give(ws, dh2, dh2u);
    // attention
    float[] dO = l.o.backward(s.o, dx2, s.oSt, pass, true, ws);
    float[] dOh = toHeads(dO, b, t, nh, hd, ws);
    Workspace.give(ws, dO);
    float[] dS = Workspace.take(ws, s.probs.length);
    float[] dqh = Workspace.take(ws, s.qh.length);
    float[] dkq = Workspace.take(ws, s.qh.length);
    float[] dvq = Workspace.take(ws, s.qh.length);
    int group = nh / nkv;
    float scale = (float) (1.0 / Math.sqrt(hd));
    float[] p = s.probs;
    // dk, dv per query head, summed into their key/value head below.
    Attention.headsBackward(s.qh, s.kh, s.vh, p, dOh, b * nh, group, t, hd, scale, dS, dqh, dkq, dvq);
    // Sum the query heads' contributions into their shared key/value head.
    int headSize = t * hd;
    Workspace.give(ws, dOh, dS);
    float[] dkh = Workspace.zeros(ws, s.kh.length);
    float[] dvh = Workspace.zeros(ws, s.vh.length);
    Parallel.forEach(b * nkv, (long) group * headSize, bk -> {
      int bi = bk / nkv;
      int kvi = bk % nkv;
      int dst = bk * headSize;
      for (int gq = 0; gq < group; gq++) {
        int src = (bi * nh + kvi * group + gq) * headSize;
        for (int i = 0; i < headSize; i++) {
          dkh[dst + i] += dkq[src + i];
          dvh[dst + i] += dvq[src + i];
        }
      }
    });
    Workspace.give(ws, dkq, dvq);
    rope(dqh, b * nh, t, hd, cos, sin, true);
    rope(dkh, b * nkv, t, hd, cos, sin, true);
    float[] dqPre = dqh;
    float[] dkPre = dkh;
    float eps = (float) config.rmsNormEps();
    if (l.qNorm != null) {
      dqPre = Workspace.zeros(ws, dqh.length);
      dkPre = Workspace.zeros(ws, dkh.length);
      rmsNormBackward(dqh, s.qPre, b * nh * t, hd, l.qNorm, s.rq, dqPre);
      rmsNormBackward(dkh, s.kPre, b * nkv * t, hd, l.kNorm, s.rk, dkPre);
      Workspace.give(ws, dqh, dkh);
    }
    float[] dq = fromHeads(dqPre, b, t, nh, hd, ws);
    float[] dk = fromHeads(dkPre, b, t, nkv, hd, ws);
    float[] dv = fromHeads(dvh, b, t, nkv, hd, ws);
    Workspace.give(ws, dqPre, dkPre, dvh);
    float[] dh1 = l.q.backward(s.h1, dq, s.qSt, pass, needInputGrad, ws);
    float[] dh1k = l.k.backward(s.h1, dk, s.kSt, pass, needInputGrad, ws);
    float[] dh1v = l.v.backward(s.h1, dv, s.vSt, pass, needInputGrad, ws);
    Workspace.give(ws, dq, dk, dv);
    if (!needInputGrad) {
      Workspace.give(ws, dx2);
      return null;
    }
    Ops.addInPlace(dh1, dh1k, dh1.length);
    Ops.addInPlace(dh1, dh1v, dh1.length);
    rmsNormBackward(dh1, s.x, rows, d, l.inNorm, s.r1, dx2);
    Workspace.give(ws, dh1, dh1k, dh1v);
    return dx2;
  }

  @Override
  public void logits(float[] hidden, int from, int n, float[] out) {
    int d = config.hiddenSize();
    if (n == 1) {
      Blas.gemv(headNative(), hidden, from * d, out, 0); // a decode step
      return;
    }
    Blas.gemm(false, true, n, config.vocabSize(), d, 1f, hidden, from * d, d, headNative(), 0f, out, 0,
        config.vocabSize());
  }

  @Override
  public void logitsBackward(float[] dLogits, int from, int n, float[] dHidden) {
    int d = config.hiddenSize();
    Blas.gemm(false, false, n, d, config.vocabSize(), 1f, dLogits, 0, config.vocabSize(), headNative(), 1f, dHidden,
        from * d, d);
  }

  @Override
  public NativeMatrix outputHead() {
    return headNative();
  }

  private synchronized NativeMatrix headNative() {
    if (headNative == null) {
      headNative = new NativeMatrix(head, config.vocabSize(), config.hiddenSize());
    }
    return headNative;
  }

  // ---- kernels (package-private for the gradient checks) ----

  /** {@code out = w * x / sqrt(mean(x^2) + eps)} per row; {@code rstd} receives each row's 1/sqrt(mean(x^2) + eps). */
  static void rmsNorm(float[] x, int rows, int width, float[] w, float eps, float[] out, float[] rstd) {
    Parallel.forEach(rows, width, r -> {
      int o = r * width;
      double ss = 0;
      for (int i = 0; i < width; i++) {
        ss += (double) x[o + i] * x[o + i];
      }
      float rs = (float) (1.0 / Math.sqrt((float) (ss / width) + eps));
      rstd[r] = rs;
      for (int i = 0; i < width; i++) {
        out[o + i] = w[i] * (x[o + i] * rs);
      }
    });
  }

  /** Adds to {@code dx} the gradient through RMSNorm (frozen weight) given {@code dy}, the input and the saved rstd. */
  static void rmsNormBackward(float[] dy, float[] x, int rows, int width, float[] w, float[] rstd, float[] dx) {
    Parallel.forEach(rows, width, r -> {
      int o = r * width;
      float rs = rstd[r];
      double dot = 0;
      for (int i = 0; i < width; i++) {
        dot += (double) dy[o + i] * w[i] * x[o + i];
      }
      float c = (float) (dot / width) * rs * rs * rs;
      for (int i = 0; i < width; i++) {
        dx[o + i] += rs * w[i] * dy[o + i] - c * x[o + i];
      }
    });
  }

  /**
   * Rotate-half RoPE in place on head-major vectors ([groups, seqLen, headDim]); {@code inverse}
   * applies the transposed rotation (the backward pass).
   */
  static void rope(float[] x, int groups, int t, int hd, float[] cos, float[] sin, boolean inverse) {
    int half = hd / 2;
    Parallel.forEach(groups * t, hd, gt -> {
      int pos = gt % t;
      int o = gt * hd;
      for (int i = 0; i < half; i++) {
        float c = cos[pos * half + i];
        float s = inverse ? -sin[pos * half + i] : sin[pos * half + i];
        float a = x[o + i];
        float b = x[o + i + half];
        x[o + i] = a * c - b * s;
        x[o + i + half] = b * c + a * s;
      }
    });
  }

  /** [batch * seq, heads * hd] rows to head-major [batch, heads, seq, hd]. */
  static float[] toHeads(float[] x, int b, int t, int heads, int hd) {
    return toHeads(x, b, t, heads, hd, null);
  }

  /** As {@link #toHeads(float[], int, int, int, int)}, into an array from {@code ws}. */
  static float[] toHeads(float[] x, int b, int t, int heads, int hd, Workspace ws) {
    float[] out = Workspace.take(ws, x.length);
    int w = heads * hd;
    Parallel.forEach(b * t, w, row -> {
      int bi = row / t;
      int ti = row % t;
      for (int h = 0; h < heads; h++) {
        System.arraycopy(x, row * w + h * hd, out, ((bi * heads + h) * t + ti) * hd, hd);
      }
    });
    return out;
  }

  /** Head-major [batch, heads, seq, hd] back to rows [batch * seq, heads * hd]. */
  static float[] fromHeads(float[] x, int b, int t, int heads, int hd) {
    return fromHeads(x, b, t, heads, hd, null);
  }

  /** As {@link #fromHeads(float[], int, int, int, int)}, into an array from {@code ws}. */
  static float[] fromHeads(float[] x, int b, int t, int heads, int hd, Workspace ws) {
    float[] out = Workspace.take(ws, x.length);
    int w = heads * hd;
    Parallel.forEach(b * t, w, row -> {
      int bi = row / t;
      int ti = row % t;
      for (int h = 0; h < heads; h++) {
        System.arraycopy(x, ((bi * heads + h) * t + ti) * hd, out, row * w + h * hd, hd);
      }
    });
    return out;
  }

  /** {@code a = silu(g) * u} (SwiGLU), split over the engine's threads. */
  static void swiGlu(float[] g, float[] u, float[] a) {
    Ops.chunked(a.length, (from, to) -> {
      if (Kernels.VECTORIZED) {
        Kernels.swiGlu(g, u, a, from, to);
        return;
      }
      for (int i = from; i < to; i++) {
        float gi = g[i];
        a[i] = gi / (1f + (float) Math.exp(-gi)) * u[i];
      }
    });
  }

  /** SwiGLU's backward pass: {@code du = da silu(g)}, {@code dg = da u silu'(g)}, split over the threads. */
  static void swiGluBackward(float[] g, float[] u, float[] da, float[] dg, float[] du) {
    Ops.chunked(da.length, (from, to) -> {
      if (Kernels.VECTORIZED) {
        Kernels.swiGluBackward(g, u, da, dg, du, from, to);
        return;
      }
      for (int i = from; i < to; i++) {
        float gi = g[i];
        float sg = 1f / (1f + (float) Math.exp(-gi));
        float silu = gi * sg;
        du[i] = da[i] * silu;
        dg[i] = da[i] * u[i] * sg * (1f + gi * (1f - sg));
      }
    });
  }
}
