package io.cohort.format.peft;

import java.util.SplittableRandom;

/**
 * LoRA's initial A factors, reproducible from a seed. Under FFA-LoRA A is never trained nor sent:
 * every node, and the coordinator when it exports a job's adapter, regenerates the same A from
 * the job's seed, so this is the one definition all of them use.
 *
 * <p>A is Kaiming-uniform like PEFT's {@code kaiming_uniform_(a=sqrt(5))}, i.e. U(-1/sqrt(in),
 * 1/sqrt(in)), row-major [r, in]. The adapted modules draw from successive {@code split()}s of
 * one {@link SplittableRandom} seeded with the LoRA seed, in model order.
 */
public final class LoraInit {
  /** Mixed into a job's seed so that A's stream differs from the job's other seeded streams. */
  private static final long LORA_STREAM = 0x4C6F5241_2D41L; // "LoRA-A"

  private final SplittableRandom root;

  /** Initialisation of the modules of one model, in model order, from {@code loraSeed}. */
  public LoraInit(long loraSeed) {
    this.root = new SplittableRandom(loraSeed);
  }

  /** The LoRA seed of a federated job with root seed {@code jobSeed}. */
  public static long seedForJob(long jobSeed) {
    return new SplittableRandom(jobSeed ^ LORA_STREAM).nextLong();
  }

  /** The next module's A [r, in], row-major. Call once per adapted module, in model order. */
  public float[] nextA(int r, int in) {
    SplittableRandom init = root.split();
    float[] a = new float[r * in];
    double bound = 1.0 / Math.sqrt(in);
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) ((init.nextDouble() * 2 - 1) * bound);
    }
    return a;
  }
}
