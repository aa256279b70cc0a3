package io.cohort.client.tabular;

import io.cohort.wire.Tensor;
import io.cohort.wire.TensorBundle;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

/**
 * A job's tabular classifier as a Deeplearning4j network: a {@link MultiLayerConfiguration} (the
 * user's JSON, a {@code ModelSerializer} zip's, or {@link MlpClassifier#configuration the default
 * MLP}) checked against the encoded data, plus optional starting weights from a zip.
 *
 * <p>Parameters travel as a {@link TensorBundle} in DL4J's own flattened order: for layer
 * {@code i}, each entry of its parameter table in order, named {@code layers.{i}.weight} for DL4J's
 * {@code W}, {@code layers.{i}.bias} for {@code b}, else {@code layers.{i}.{key}}. A dense weight,
 * which DL4J keeps as [in, out] in column-major order, travels as [out, in] row-major (the same
 * numbers in the same order), so the default MLP's bundle is exactly the hand-written MLP's was.
 */
public final class TabularNetwork {
  private final MultiLayerConfiguration conf;
  private final String json;
  private final int inputWidth;
  private final int numClasses;
  /** Starting weights from a ModelSerializer zip, in DL4J order; null for a fresh initialisation. */
  private final float[] pretrained;
  /** Names and shapes of the wire tensors, in DL4J's flattened order. */
  private final List<Tensor> layout;
  private final int parameterCount;
  /** The default MLP: initialised as the hand-written MLP was, so that its results carry over. */
  private final boolean defaultMlp;

  private TabularNetwork(MultiLayerConfiguration conf, int inputWidth, int numClasses, float[] pretrained) {
    this(conf, inputWidth, numClasses, pretrained, false);
  }

  private TabularNetwork(MultiLayerConfiguration conf, int inputWidth, int numClasses, float[] pretrained,
      boolean defaultMlp) {
    this.defaultMlp = defaultMlp;
    this.json = conf.toJson();
    // A private copy: networks built here must not share mutable configuration objects.
    this.conf = MultiLayerConfiguration.fromJson(json);
    // Arrays that leave a pass (activations, gradients) must outlive it; these networks are small.
    this.conf.setTrainingWorkspaceMode(WorkspaceMode.NONE);
    this.conf.setInferenceWorkspaceMode(WorkspaceMode.NONE);
    this.inputWidth = inputWidth;
    this.numClasses = numClasses;
    checkShape();
    MultiLayerNetwork probe = new MultiLayerNetwork(this.conf.clone());
    probe.init();
    this.parameterCount = Math.toIntExact(probe.numParams());
    this.layout = layoutOf(probe);
    if (pretrained != null && pretrained.length != parameterCount) {
      throw new IllegalArgumentException("the model zip holds " + pretrained.length
          + " parameters; its configuration has " + parameterCount);
    }
    this.pretrained = pretrained;
  }

  /** The default MLP's network ({@link MlpClassifier#network}). */
  static TabularNetwork defaultMlp(MultiLayerConfiguration conf, int inputWidth, int numClasses) {
    return new TabularNetwork(conf, inputWidth, numClasses, null, true);
  }

  /** The network of {@code conf}, checked against the data's width and classes. */
  public static TabularNetwork of(MultiLayerConfiguration conf, int inputWidth, int numClasses) {
    return new TabularNetwork(conf, inputWidth, numClasses, null);
  }

  /**
   * The network of a DL4J configuration JSON ({@code MultiLayerConfiguration.toJson()}).
   *
   * @throws IllegalArgumentException when the JSON is not a DL4J multi-layer configuration or it does not fit
   */
  public static TabularNetwork fromJson(String json, int inputWidth, int numClasses) {
    MultiLayerConfiguration conf;
    try {
      conf = MultiLayerConfiguration.fromJson(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the model configuration is not a DL4J MultiLayerConfiguration JSON ("
          + firstLine(e.getMessage()) + ")");
    }
    return new TabularNetwork(conf, inputWidth, numClasses, null);
  }

  /**
   * The network of a {@code ModelSerializer} zip: its configuration, and its weights as the job's starting point.
   *
   * @throws IllegalArgumentException when the bytes are not such a zip or the network does not fit
   */
  public static TabularNetwork fromZip(byte[] zip, int inputWidth, int numClasses) {
    MultiLayerNetwork net;
    try {
      net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the model zip is not a DL4J ModelSerializer MultiLayerNetwork ("
          + firstLine(e.getMessage()) + ")");
    }
    float[] weights = net.params().castTo(DataType.FLOAT).dup('c').data().asFloat();
    return new TabularNetwork(net.getLayerWiseConfigurations(), inputWidth, numClasses, weights);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no detail";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  /** Input width against the encoded features; a softmax output of one unit per class under cross-entropy. */
  private void checkShape() {
    int layers = conf.getConfs().size();
    if (layers == 0) {
      throw new IllegalArgumentException("the model configuration has no layers");
    }
    Layer first = layer(0);
    if (first instanceof FeedForwardLayer ff && ff.getNIn() != inputWidth) {
      throw new IllegalArgumentException("the model's first layer (" + describe(0) + ") takes " + ff.getNIn()
          + " inputs, but the job's encoded features are " + inputWidth + " wide");
    }
    Layer last = layer(layers - 1);
    if (!(last instanceof BaseOutputLayer out)) {
      throw new IllegalArgumentException("the model's last layer is " + describe(layers - 1)
          + "; a classifier needs an OutputLayer");
    }
    if (numClasses == 1) {
      checkRegressionOutput(out);
      return;
    }
    if (out.getNOut() != numClasses) {
      throw new IllegalArgumentException("the model's output layer has " + out.getNOut()
          + " units, but the job's label has " + numClasses + " classes");
    }
    if (!(out.getActivationFn() instanceof ActivationSoftmax)
        || !(out.getLossFn() instanceof LossMCXENT || out.getLossFn() instanceof LossNegativeLogLikelihood)) {
      throw new IllegalArgumentException("the model's output layer is " + out.getActivationFn() + " with "
          + out.getLossFn() + "; a classification job needs activation softmax with loss MCXENT");
    }
  }

  /** A regression job's output: one linear unit on squared or absolute error (per example, so DP can clip it). */
  private void checkRegressionOutput(BaseOutputLayer out) {
    if (out.getNOut() != 1) {
      throw new IllegalArgumentException("the model's output layer has " + out.getNOut()
          + " units, but the job is a regression: it predicts one number, so the output needs nOut 1");
    }
    var loss = out.getLossFn();
    if (!(out.getActivationFn() instanceof ActivationIdentity)
        || !(loss instanceof LossMSE || loss instanceof LossL2 || loss instanceof LossMAE || loss instanceof LossL1)) {
      throw new IllegalArgumentException("the model's output layer is " + out.getActivationFn() + " with " + loss
          + "; a regression job needs activation identity with loss MSE or MEAN_ABSOLUTE_ERROR (or L2, L1)");
    }
  }

  /** True when a regression network's loss is absolute error (MAE or L1), false for squared error. */
  boolean absoluteErrorLoss() {
    var loss = ((BaseOutputLayer) layer(layerCount() - 1)).getLossFn();
    return loss instanceof LossMAE || loss instanceof LossL1;
  }

  /** True for a regression job's network (one linear output). */
  public boolean regression() {
    return numClasses == 1;
  }

  /**
   * Refuses layers whose gradients are not a sum of per-example gradients, which DP-SGD's clipping needs.
   *
   * @throws IllegalArgumentException naming the layer and what to use instead
   */
  public void checkPrivate() {
    for (int i = 0; i < conf.getConfs().size(); i++) {
      Layer l = layer(i);
      if (l instanceof BatchNormalization || l instanceof LocalResponseNormalization) {
        throw new IllegalArgumentException("layer " + i + " (" + describe(i) + ") normalises across the examples"
            + " of a batch, so one example's gradient depends on the others and cannot be clipped exactly under"
            + " differential privacy; remove it or use a DenseLayer with hasLayerNorm(true) (per example)");
      }
    }
  }

  /** Refuses layers that this trainer cannot update with gradients alone (any job). */
  public void checkTrainable() {
    for (int i = 0; i < conf.getConfs().size(); i++) {
      if (layer(i) instanceof BatchNormalization) {
        throw new IllegalArgumentException("layer " + i + " (" + describe(i) + ") is not supported yet: its running"
            + " mean and variance are not gradients, and federated averaging of them is not built");
      }
    }
  }

  Layer layer(int i) {
    return conf.getConf(i).getLayer();
  }

  int layerCount() {
    return conf.getConfs().size();
  }

  String describe(int i) {
    Layer l = layer(i);
    String name = l.getLayerName();
    return l.getClass().getSimpleName() + (name == null || name.isBlank() || name.matches("layer\\d+") ? "" : " '"
        + name + "'");
  }

  /**
   * True when DP-SGD can take its vectorised path: every layer a {@link DenseLayer} without dropout or layer
   * normalisation, then the output layer without dropout, so per-example gradients follow from the batch's
   * per-example deltas and inputs ({@link PerExampleGradients}).
   */
  boolean denseOnly() {
    for (int i = 0; i < layerCount(); i++) {
      Layer l = layer(i);
      boolean dense = l instanceof DenseLayer d && !d.hasLayerNorm() && d.hasBias();
      boolean output = i == layerCount() - 1 && l.getClass() == org.deeplearning4j.nn.conf.layers.OutputLayer.class
          && ((BaseOutputLayer) l).hasBias();
      if (!(dense || output) || l.getIDropout() != null || ((BaseLayer) l).getWeightNoise() != null
          || conf.getInputPreProcess(i) != null) {
        return false;
      }
    }
    return true;
  }

  /** The configuration as DL4J JSON (with workspaces off, as this node runs it). */
  public String json() {
    return json;
  }

  public int inputWidth() {
    return inputWidth;
  }

  public int numClasses() {
    return numClasses;
  }

  /** Trainable parameters: the length of the flattened parameter vector. */
  public int parameterCount() {
    return parameterCount;
  }

  /**
   * Starting parameters: a zip's weights when the job brought one; else DL4J's initialisation of the
   * configuration with {@code seed} (every node gets the same), except that the default MLP keeps the
   * hand-written MLP's He-uniform draw ({@link MlpClassifier#initialize}) so that its results carry over.
   */
  public TensorBundle initialize(long seed) {
    if (pretrained != null) {
      return toBundle(pretrained);
    }
    if (defaultMlp) {
      // Tensor names are layers.{i}.weight: the fan-in is layer i's nIn.
      return MlpClassifier.heUniform(layout, seed,
          t -> (int) ((FeedForwardLayer) layer(Integer.parseInt(t.name().split("\\.")[1]))).getNIn());
    }
    MultiLayerConfiguration c = conf.clone();
    for (var layerConf : c.getConfs()) {
      layerConf.setSeed(seed);
    }
    MultiLayerNetwork net = new MultiLayerNetwork(c);
    net.init();
    return toBundle(net.params().castTo(DataType.FLOAT).dup('c').data().asFloat());
  }

  /** A plain DL4J network of this configuration holding {@code weights} (copied), e.g. to export it. */
  public MultiLayerNetwork toDl4j(TensorBundle weights) {
    return network(weights);
  }

  /** A fresh DL4J network of this configuration holding {@code weights} (copied). */
  MultiLayerNetwork network(TensorBundle weights) {
    checkLayout(weights);
    return network(flatten(weights));
  }

  MultiLayerNetwork network(float[] flat) {
    MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
    INDArray params = Nd4j.create(flat, new long[] {1, flat.length}, DataType.FLOAT)
        .castTo(conf.getDataType());
    net.init(params, false);
    return net;
  }

  /**
   * Checks that {@code weights} has this network's tensors (names, shapes, order) with finite values.
   *
   * @throws IllegalArgumentException naming the first tensor that does not fit, and why
   */
  public void checkLayout(TensorBundle weights) {
    List<Tensor> given = weights.tensors();
    for (int k = 0; k < layout.size(); k++) {
      Tensor expected = layout.get(k);
      if (k >= given.size()) {
        throw new IllegalArgumentException("bundle has " + given.size() + " tensors; the model has " + layout.size()
            + ", the first missing one '" + expected.name() + "' " + Arrays.toString(expected.shape()));
      }
      Tensor t = given.get(k);
      if (!t.name().equals(expected.name())) {
        throw new IllegalArgumentException("tensor '" + t.name() + "' at position " + k + "; expected '"
            + expected.name() + "' there (the model's layers in order: " + names() + ")");
      }
      if (!Arrays.equals(t.shape(), expected.shape())) {
        throw new IllegalArgumentException("tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
            + "; expected " + Arrays.toString(expected.shape()) + " (the data has " + inputWidth + " features and "
            + numClasses + " classes)");
      }
      float[] v = t.values();
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          throw new IllegalArgumentException("tensor '" + t.name() + "' holds " + v[i] + " at index " + i
              + "; parameters must be finite");
        }
      }
    }
    if (given.size() > layout.size()) {
      throw new IllegalArgumentException("bundle has " + given.size() + " tensors; the model has " + layout.size()
          + " (first extra: '" + given.get(layout.size()).name() + "')");
    }
  }

  private String names() {
    List<String> n = new ArrayList<>();
    for (Tensor t : layout) {
      n.add(t.name());
    }
    return String.join(", ", n);
  }

  /** All values of a bundle of this layout, in DL4J's flattened order. */
  static float[] flatten(TensorBundle weights) {
    int total = 0;
    for (Tensor t : weights.tensors()) {
      total = Math.addExact(total, t.values().length);
    }
    float[] flat = new float[total];
    int at = 0;
    for (Tensor t : weights.tensors()) {
      System.arraycopy(t.values(), 0, flat, at, t.values().length);
      at += t.values().length;
    }
    return flat;
  }

  /** The wire bundle of a flattened parameter vector in DL4J's order. */
  TensorBundle toBundle(float[] flat) {
    List<Tensor> tensors = new ArrayList<>();
    int at = 0;
    for (Tensor t : layout) {
      int n = t.values().length;
      tensors.add(new Tensor(t.name(), t.shape().clone(), Arrays.copyOfRange(flat, at, at + n)));
      at += n;
    }
    return new TensorBundle(tensors);
  }

  /** Values of an array in row-major order, whatever its ordering or view state, as float. */
  static float[] toFloats(INDArray array) {
    return array.castTo(DataType.FLOAT).dup('c').data().asFloat();
  }

  private static List<Tensor> layoutOf(MultiLayerNetwork net) {
    List<Tensor> tensors = new ArrayList<>();
    for (int i = 0; i < net.getnLayers(); i++) {
      for (Map.Entry<String, INDArray> e : net.getLayer(i).paramTable().entrySet()) {
        INDArray p = e.getValue();
        tensors.add(new Tensor(name(i, e.getKey()), wireShape(p), new float[(int) p.length()]));
      }
    }
    return List.copyOf(tensors);
  }

  private static String name(int layer, String key) {
    String n = switch (key) {
      case "W" -> "weight";
      case "b" -> "bias";
      default -> key;
    };
    return "layers." + layer + "." + n;
  }

  /**
   * A parameter's shape as it travels: row-major over DL4J's flattened values, so a column-major [in, out]
   * matrix reads [out, in], and a [1, n] row or [n, 1] column vector is [n].
   */
  private static long[] wireShape(INDArray p) {
    long[] s = p.shape();
    if (s.length == 2 && (s[0] == 1 || s[1] == 1)) {
      return new long[] {p.length()};
    }
    if (p.ordering() == 'f') {
      long[] r = new long[s.length];
      for (int i = 0; i < s.length; i++) {
        r[i] = s[s.length - 1 - i];
      }
      return r;
    }
    return s.clone();
  }
}
