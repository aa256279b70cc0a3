package io.cohort.lm.model;

import io.cohort.format.checkpoint.Checkpoint;
import io.cohort.format.checkpoint.Gpt2Config;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GPT-2 model (Hugging Face conventions: Conv1D weights [in, out], {@code gelu_new}, pre-norm
 * blocks, learned positions, output embedding tied to {@code wte}) whose base weights are frozen.
 * Forward returns the final hidden states (after {@code ln_f}); tasks put their own head on top.
 * Backward computes only what trainable adapters need: no gradient of any base weight is formed.
 */
public final class Gpt2Model implements LanguageModel {
  /** Activation names meaning the tanh approximation of GELU in Hugging Face configs. */
  private static final java.util.Set<String> GELU_NEW = java.util.Set.of("gelu_new", "gelu_pytorch_tanh");
  private final Gpt2Shape shape;
  private final float[] wte;
  private final float[] wpe;
  private final Block[] blocks;
  private final float[] lnfGamma;
  private final float[] lnfBeta;
  private final Map<String, Linear> linears;
  private NativeMatrix wteNative;
  /** Recycled activation arrays of training passes (see {@link Workspace}). */
  private final Workspace workspace = new Workspace();

  /**
   * Builds the model from tensors under canonical bare names ({@code wte.weight},
   * {@code h.0.attn.c_attn.weight} [in, out], ..., {@code ln_f.bias}). Every tensor's presence and
   * size is checked before anything is built; the arrays are used as they are, not copied.
   */
  public static Gpt2Model fromTensors(Gpt2Shape shape, Map<String, float[]> tensors) {
    int w = shape.width();
    int in = shape.innerWidth();
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("wte.weight", shape.vocabSize() * w);
    expected.put("wpe.weight", shape.positions() * w);
    for (int i = 0; i < shape.layers(); i++) {
      String p = "h." + i + ".";
      expected.put(p + "ln_1.weight", w);
      expected.put(p + "ln_1.bias", w);
      expected.put(p + "attn.c_attn.weight", w * 3 * w);
      expected.put(p + "attn.c_attn.bias", 3 * w);
      expected.put(p + "attn.c_proj.weight", w * w);
      expected.put(p + "attn.c_proj.bias", w);
      expected.put(p + "ln_2.weight", w);
      expected.put(p + "ln_2.bias", w);
      expected.put(p + "mlp.c_fc.weight", w * in);
      expected.put(p + "mlp.c_fc.bias", in);
      expected.put(p + "mlp.c_proj.weight", in * w);
      expected.put(p + "mlp.c_proj.bias", w);
    }
    expected.put("ln_f.weight", w);
    expected.put("ln_f.bias", w);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      float[] t = tensors.get(e.getKey());
      if (t == null) {
        throw new IllegalArgumentException("missing tensor " + e.getKey());
      }
      if (t.length != e.getValue()) {
        throw new IllegalArgumentException("tensor " + e.getKey() + " has " + t.length + " values, expected "
            + e.getValue() + " for " + shape);
      }
    }
    return new Gpt2Model(shape, tensors);
  }

  /**
   * The model of a loaded Hugging Face checkpoint. Only GPT-2's own MLP width (4 x n_embd),
   * {@code gelu_new} and a tied output embedding are built; anything else is refused by name.
   */
  public static Gpt2Model fromCheckpoint(Checkpoint checkpoint) {
    Gpt2Config c = checkpoint.config();
    if (c.nInner() != 4 * c.nEmbd()) {
      throw new IllegalArgumentException(checkpoint.dir() + ": n_inner " + c.nInner() + " is not 4 x n_embd ("
          + (4 * c.nEmbd()) + "); only GPT-2's MLP width is supported");
    }
    if (!GELU_NEW.contains(c.activationFunction())) {
      throw new IllegalArgumentException(checkpoint.dir() + ": activation_function '" + c.activationFunction()
          + "' is not supported; valid: " + GELU_NEW);
    }
    if (!c.tieWordEmbeddings()) {
      throw new IllegalArgumentException(checkpoint.dir() + ": tie_word_embeddings false is not supported (GPT-2 ties"
          + " lm_head to wte)");
    }
    Gpt2Shape shape = new Gpt2Shape(c.vocabSize(), c.nPositions(), c.nEmbd(), c.nLayer(), c.nHead(),
        (float) c.layerNormEpsilon());
    Map<String, float[]> t = new LinkedHashMap<>();
    checkpoint.tensors().forEach((name, tensor) -> t.put(name, tensor.data()));
    return fromTensors(shape, t);
  }

  /** A randomly initialised model (GPT-2's init: N(0, 0.02) weights), for tests and benchmarks. */
  public static Gpt2Model random(Gpt2Shape shape, long seed, boolean randomNorms) {
    return new Gpt2Model(shape, randomTensors(shape, seed, randomNorms));
  }

  /** The tensors of {@link #random}, under canonical names. */
  public static Map<String, float[]> randomTensors(Gpt2Shape shape, long seed, boolean randomNorms) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, float[]> t = new LinkedHashMap<>();
    int w = shape.width();
    int in = shape.innerWidth();
    t.put("wte.weight", normal(rnd, shape.vocabSize() * w, 0.02f));
    t.put("wpe.weight", normal(rnd, shape.positions() * w, 0.01f));
    for (int i = 0; i < shape.layers(); i++) {
      String p = "h." + i + ".";
      t.put(p + "ln_1.weight", norm(rnd, w, randomNorms, 1f));
      t.put(p + "ln_1.bias", norm(rnd, w, randomNorms, 0f));
      t.put(p + "attn.c_attn.weight", normal(rnd, w * 3 * w, 0.02f));
      t.put(p + "attn.c_attn.bias", norm(rnd, 3 * w, randomNorms, 0f));
      t.put(p + "attn.c_proj.weight", normal(rnd, w * w, 0.02f));
      t.put(p + "attn.c_proj.bias", norm(rnd, w, randomNorms, 0f));
      t.put(p + "ln_2.weight", norm(rnd, w, randomNorms, 1f));
      t.put(p + "ln_2.bias", norm(rnd, w, randomNorms, 0f));
      t.put(p + "mlp.c_fc.weight", normal(rnd, w * in, 0.02f));
      t.put(p + "mlp.c_fc.bias", norm(rnd, in, randomNorms, 0f));
      t.put(p + "mlp.c_proj.weight", normal(rnd, in * w, 0.02f));
      t.put(p + "mlp.c_proj.bias", norm(rnd, w, randomNorms, 0f));
    }
    t.put("ln_f.weight", norm(rnd, w, randomNorms, 1f));
    t.put("ln_f.bias", norm(rnd, w, randomNorms, 0f));
    return t;
  }

  private static float[] normal(SplittableRandom rnd, int n, float std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (gaussian(rnd) * std);
    }
    return a;
  }

  private static float[] norm(SplittableRandom rnd, int n, boolean random, float base) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = base + (random ? (float) (gaussian(rnd) * 0.1) : 0f);
    }
    return a;
  }

  private static double gaussian(SplittableRandom rnd) {
    double u = rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }

  private Gpt2Model(Gpt2Shape shape, Map<String, float[]> t) {
    this.shape = shape;
    int w = shape.width();
    int in = shape.innerWidth();
    this.wte = t.get("wte.weight");
    this.wpe = t.get("wpe.weight");
    this.blocks = new Block[shape.layers()];
    Map<String, Linear> lin = new LinkedHashMap<>();
    for (int i = 0; i < shape.layers(); i++) {
      String p = "h." + i + ".";
      String hf = "transformer.h." + i + ".";
      Linear attn = new Linear(hf + "attn.c_attn", t.get(p + "attn.c_attn.weight"), w, 3 * w, t.get(p + "attn.c_attn.bias"));
      Linear proj = new Linear(hf + "attn.c_proj", t.get(p + "attn.c_proj.weight"), w, w, t.get(p + "attn.c_proj.bias"));
      Linear fc = new Linear(hf + "mlp.c_fc", t.get(p + "mlp.c_fc.weight"), w, in, t.get(p + "mlp.c_fc.bias"));
      Linear mproj = new Linear(hf + "mlp.c_proj", t.get(p + "mlp.c_proj.weight"), in, w, t.get(p + "mlp.c_proj.bias"));
      for (Linear l : List.of(attn, proj, fc, mproj)) {
        lin.put(l.path(), l);
      }
      blocks[i] = new Block(t.get(p + "ln_1.weight"), t.get(p + "ln_1.bias"), attn, proj,
          t.get(p + "ln_2.weight"), t.get(p + "ln_2.bias"), fc, mproj);
    }
    this.lnfGamma = t.get("ln_f.weight");
    this.lnfBeta = t.get("ln_f.bias");
    this.linears = Collections.unmodifiableMap(lin);
  }

  public Gpt2Shape shape() {
    return shape;
  }

  @Override
  public int width() {
    return shape.width();
  }

  @Override
  public int vocabSize() {
    return shape.vocabSize();
  }

  @Override
  public int maxPositions() {
    return shape.positions();
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

  /** The token embedding [vocab, width] (frozen; also the tied output embedding). */
  public float[] tokenEmbedding() {
    return wte;
  }

  /** Everything one forward pass keeps for its backward pass. */
  public static final class Activations implements ForwardState {
    final Pass pass;
    final Block.Saved[] blocks;
    float[] last;
    float[] meanF;
    float[] rstdF;
    Workspace ws;
    boolean consumed;

    Activations(Pass pass, int layers) {
      this.pass = pass;
      this.blocks = new Block.Saved[layers];
    }

    public Pass pass() {
      return pass;
    }
  }

  /**
   * Final hidden states [batch * seqLen, width] for token ids laid out example-major (right-padded
   * rows: any id, they never influence real tokens). {@code saved} receives the activations when
   * {@code pass.training()}.
   */
  @Override
  public float[] forward(int[] ids, Pass pass, ForwardState[] saved) {
    int t = pass.seqLen();
    int rows = pass.rows();
    int w = shape.width();
    if (ids.length != rows) {
      throw new IllegalArgumentException("expected " + rows + " token ids, got " + ids.length);
    }
    if (t > shape.positions()) {
      throw new IllegalArgumentException("sequence length " + t + " exceeds the model's " + shape.positions()
          + " positions");
    }
    Workspace ws = pass.training() ? workspace : null;
    if (ws != null) {
      ws.begin(pass.batch(), t);
    }
    float[] emb = Workspace.take(ws, rows * w);
    Parallel.forEach(rows, w, r -> {
      int id = ids[r];
      if (id < 0 || id >= shape.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + shape.vocabSize() + ")");
      }
      int pos = r % t;
      for (int i = 0; i < w; i++) {
        emb[r * w + i] = wte[id * w + i] + wpe[pos * w + i];
      }
    });
    float[] x = emb;
    Activations acts = new Activations(pass, blocks.length);
    for (int i = 0; i < blocks.length; i++) {
      Block.Saved s = new Block.Saved();
      x = blocks[i].forward(x, shape, pass, s, ws);
      acts.blocks[i] = s;
    }
    float[] out = new float[rows * w];
    float[] mean = new float[rows];
    float[] rstd = new float[rows];
    Ops.layerNorm(x, rows, w, lnfGamma, lnfBeta, shape.layerNormEps(), out, mean, rstd);
    if (pass.training()) {
      acts.last = x;
      acts.meanF = mean;
      acts.rstdF = rstd;
      acts.ws = ws;
      saved[0] = acts;
    }
    return out;
  }

  /**
   * The keys and values of the tokens one sequence has seen so far, per layer, for incremental
   * decoding ({@link #forwardCached}): each layer holds [heads, n_positions, head_dim] for keys and
   * for values, filled up to {@link #length()}.
   */
  public static final class KvCache implements DecodeCache {
    final float[][] keys;
    final float[][] values;
    int length;

    KvCache(int layers, int size) {
      keys = new float[layers][size];
      values = new float[layers][size];
    }

    @Override
    public int length() {
      return length;
    }
  }

  /** An empty cache sized for the model's full context. */
  public KvCache newCache() {
    return new KvCache(blocks.length, shape.heads() * shape.positions() * shape.headDim());
  }

  /**
   * Inference on one sequence, incrementally: the final hidden states [ids.length, width] of
   * {@code ids} placed after the tokens already in {@code cache}, which then holds them too. The
   * same arithmetic as {@link #forward} on the whole sequence (each new token attends to the cached
   * keys and values and to the new ones up to itself), without recomputing the cached tokens.
   */
  @Override
  public KvCache newDecodeCache() {
    return newCache();
  }

  @Override
  public float[] forwardCached(int[] ids, DecodeCache decodeCache) {
    if (!(decodeCache instanceof KvCache cache)) {
      throw new IllegalArgumentException("a GPT-2 model decodes with its own cache (newDecodeCache), got "
          + decodeCache.getClass().getSimpleName());
    }
    int n = ids.length;
    int past = cache.length;
    int w = shape.width();
    if (n == 0) {
      return new float[0];
    }
    if (past + n > shape.positions()) {
      throw new IllegalArgumentException("sequence length " + (past + n) + " exceeds the model's " + shape.positions()
          + " positions");
    }
    float[] x = new float[n * w];
    for (int r = 0; r < n; r++) {
      int id = ids[r];
      if (id < 0 || id >= shape.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + shape.vocabSize() + ")");
      }
      int pos = past + r;
      for (int i = 0; i < w; i++) {
        x[r * w + i] = wte[id * w + i] + wpe[pos * w + i];
      }
    }
    for (int i = 0; i < blocks.length; i++) {
      x = blocks[i].forwardCached(x, n, shape, cache.keys[i], cache.values[i], past);
    }
    cache.length = past + n;
    float[] out = new float[n * w];
    Ops.layerNorm(x, n, w, lnfGamma, lnfBeta, shape.layerNormEps(), out, new float[n], new float[n]);
    return out;
  }

  /**
   * Accumulates adapter gradients from the gradient of the final hidden states. Each forward pass's
   * activations support one backward pass (their arrays are recycled during it).
   */
  @Override
  public void backward(ForwardState state, float[] dHidden) {
    Activations acts = (Activations) state;
    if (acts.consumed) {
      throw new IllegalStateException("these activations were already used by a backward pass; run forward again");
    }
    acts.consumed = true;
    Workspace ws = acts.ws;
    Pass pass = acts.pass;
    int rows = pass.rows();
    int w = shape.width();
    float[] dx = Workspace.zeros(ws, rows * w);
    Ops.layerNormBackward(dHidden, acts.last, rows, w, lnfGamma, acts.meanF, acts.rstdF, dx);
    Workspace.give(ws, acts.last);
    int lowest = lowestAdaptedBlock();
    for (int i = blocks.length - 1; i >= lowest && i >= 0; i--) {
      float[] dIn = blocks[i].backward(acts.blocks[i], dx, shape, pass, i > lowest, ws);
      Workspace.give(ws, dx);
      dx = dIn;
    }
    Workspace.give(ws, dx);
    for (int i = 0; i < Math.min(lowest, blocks.length); i++) {
      Block.release(acts.blocks[i], ws);
    }
  }

  /** Blocks below the lowest adapter need no gradient at all (the embeddings are frozen). */
  private int lowestAdaptedBlock() {
    for (int i = 0; i < blocks.length; i++) {
      Block b = blocks[i];
      if (b.attn.adapter() != null || b.attnProj.adapter() != null || b.fc.adapter() != null
          || b.mlpProj.adapter() != null) {
        return i;
      }
    }
    return blocks.length;
  }

  /**
   * Language-model logits for rows {@code [from, from + n)} of the final hidden states into
   * {@code out} ([n, vocab]), through the tied output embedding.
   */
  @Override
  public void logits(float[] hidden, int from, int n, float[] out) {
    if (n == 1) {
      Blas.gemv(wteNative(), hidden, from * shape.width(), out, 0); // a decode step
      return;
    }
    Blas.gemm(false, true, n, shape.vocabSize(), shape.width(), 1f, hidden, from * shape.width(), shape.width(),
        wteNative(), 0f, out, 0, shape.vocabSize());
  }

  /** {@code dHidden[from..from+n) += dLogits wte} (the tied output embedding's input gradient). */
  @Override
  public void logitsBackward(float[] dLogits, int from, int n, float[] dHidden) {
    Blas.gemm(false, false, n, shape.width(), shape.vocabSize(), 1f, dLogits, 0, shape.vocabSize(), wteNative(),
        1f, dHidden, from * shape.width(), shape.width());
  }

  @Override
  public NativeMatrix outputHead() {
    return wteNative();
  }

  private synchronized NativeMatrix wteNative() {
    if (wteNative == null) {
      wteNative = new NativeMatrix(wte, shape.vocabSize(), shape.width());
    }
    return wteNative;
  }
}
