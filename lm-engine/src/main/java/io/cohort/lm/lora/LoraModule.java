package io.cohort.lm.lora;

import io.cohort.format.peft.LoraInit;
import io.cohort.format.peft.LoraMerge;
import io.cohort.lm.model.Blas;
import io.cohort.lm.model.LinearAdapter;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One LoRA adapter beside a frozen linear layer: {@code y += (alpha/r) * dropout(x) A^T B^T}, with
 * A [r, in] and B [out, r] as PEFT stores {@code lora_A.weight} and {@code lora_B.weight}.
 * A starts Kaiming-uniform like PEFT's {@code kaiming_uniform_(a=sqrt(5))}, i.e. U(-1/sqrt(in),
 * 1/sqrt(in)); B starts at zero, so a fresh adapter leaves the base model's output unchanged.
 *
 * <p>Per-example gradients (DP-SGD) are batched products over each example's rows of the saved
 * low-rank activations {@code u = x A^T} and the output gradients, as Opacus's grad samplers do.
 */
public final class LoraModule implements LinearAdapter {
  private final String path;
  private final int in;
  private final int out;
  private final int r;
  private final float scale;
  private final float dropout;
  private final Parameter a;
  private final Parameter b;
  private final boolean trainA;

  private record State(float[] u, float[] input, float[] mask) {
  }

  public LoraModule(String path, int in, int out, LoraConfig config, LoraInit init) {
    this.path = path;
    this.in = in;
    this.out = out;
    this.r = config.r();
    this.scale = config.scale();
    this.dropout = config.dropout();
    float[] av = init.nextA(r, in);
    this.a = new Parameter(path + ".lora_A.weight", new int[] {r, in}, av);
    this.b = new Parameter(path + ".lora_B.weight", new int[] {out, r}, new float[out * r]);
    this.trainA = !config.freezeA();
  }

  public String path() {
    return path;
  }

  public Parameter loraA() {
    return a;
  }

  public Parameter loraB() {
    return b;
  }

  public float scale() {
    return scale;
  }

  @Override
  public List<Parameter> trainable() {
    return trainA ? List.of(a, b) : List.of(b);
  }

  @Override
  public LowRank lowRank(Pass pass) {
    return dropout > 0 && pass.training() ? null : new LowRank(a.value(), b.value(), r, scale);
  }

  @Override
  public Object forward(float[] x, float[] given, boolean deltaAdded, float[] y, Pass pass) {
    int rows = pass.rows();
    float[] input = x;
    float[] mask = null;
    if (dropout > 0 && pass.training()) {
      mask = new float[rows * in];
      input = new float[rows * in];
      float keep = 1f / (1f - dropout);
      SplittableRandom rnd = pass.dropout();
      for (int i = 0; i < mask.length; i++) {
        mask[i] = rnd.nextDouble() < dropout ? 0f : keep;
        input[i] = x[i] * mask[i];
      }
    }
    float[] u = given;
    if (u == null || mask != null) {
      u = new float[rows * r];
      Blas.gemm(false, true, rows, r, in, 1f, input, 0, in, a.value(), 0, in, 0f, u, 0, r);
    }
    if (deltaAdded && mask != null) {
      throw new IllegalStateException(path + ": a delta of dropped-out input cannot be added beside the frozen product");
    }
    if (!deltaAdded) {
      Blas.gemm(false, true, rows, out, r, scale, u, 0, r, b.value(), 0, r, 1f, y, 0, out);
    }
    return pass.training() ? new State(u, input, mask) : null;
  }

  @Override
  public void backward(Object state, float[] x, float[] dy, float[] given, boolean inputGradAdded, float[] dx,
      Pass pass) {
    State s = (State) state;
    int rows = pass.rows();
    float[] du = given;
    if (du == null) {
      du = new float[rows * r];
      Blas.gemm(false, false, rows, r, out, scale, dy, 0, out, b.value(), 0, r, 0f, du, 0, r);
    }
    if (pass.perExample()) {
      int t = pass.seqLen();
      float[] gb = b.perExampleGrad();
      float[] ga = trainA ? a.perExampleGrad() : null;
      for (int i = 0; i < pass.batch(); i++) {
        int row = i * t;
        Blas.gemm(true, false, out, r, t, scale, dy, row * out, out, s.u, row * r, r, 1f, gb, i * b.size(), r);
        if (ga != null) {
          Blas.gemm(true, false, r, in, t, 1f, du, row * r, r, s.input, row * in, in, 1f, ga, i * a.size(), in);
        }
      }
    } else {
      Blas.gemm(true, false, out, r, rows, scale, dy, 0, out, s.u, 0, r, 1f, b.grad(), 0, r);
      if (trainA) {
        Blas.gemm(true, false, r, in, rows, 1f, du, 0, r, s.input, 0, in, 1f, a.grad(), 0, in);
      }
    }
    if (dx != null && inputGradAdded && s.mask != null) {
      throw new IllegalStateException(path + ": input dropout's gradient cannot be added beside the frozen product");
    }
    if (dx != null && !inputGradAdded) {
      if (s.mask == null) {
        Blas.gemm(false, false, rows, in, r, 1f, du, 0, r, a.value(), 0, in, 1f, dx, 0, in);
      } else {
        float[] dIn = new float[rows * in];
        Blas.gemm(false, false, rows, in, r, 1f, du, 0, r, a.value(), 0, in, 0f, dIn, 0, in);
        for (int i = 0; i < dIn.length; i++) {
          dx[i] += dIn[i] * s.mask[i];
        }
      }
    }
  }

  /**
   * The merged Conv1D weight {@code W + scale * (B A)^T} ([in, out], GPT-2's fan_in_fan_out layout),
   * computed in a new array; the base weight is not touched.
   */
  public float[] mergedWeight(float[] baseInOut) {
    // One merge implementation for the engine and the coordinator's export (model-format).
    return LoraMerge.mergedConv1d(baseInOut, in, out, a.value(), b.value(), r, scale);
  }
}
