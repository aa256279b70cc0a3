package io.cohort.lm.train;

import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Parameter;
import java.util.List;
import java.util.Locale;

/**
 * Whether a training run fits this JVM's heap, decided before the first step: the model's
 * activation estimate ({@link LanguageModel#trainingActivationBytes}) for the largest batch the run
 * will take, per-example gradients under DP-SGD, the optimiser's state and the output layer's
 * logits block. A run that fits only with activation recomputation gets it switched on; one that
 * does not fit even then is refused with the numbers and what to change, instead of an
 * OutOfMemoryError in the middle of a round.
 */
public final class TrainingMemory {
  /** Share of the free heap a run may plan to use: the rest absorbs estimate error and GC headroom. */
  static final double USABLE = 0.85;
  private static final long GIB = 1L << 30;

  /** What was decided, and the bytes behind it. */
  public record Plan(boolean recompute, long plainBytes, long recomputeBytes, long availableBytes) {
    public String describe() {
      return String.format(Locale.ROOT, "training needs about %s (%s with activation recomputation) of %s free heap",
          gib(plainBytes), recomputeBytes < 0 ? "n/a" : gib(recomputeBytes), gib(availableBytes));
    }
  }

  private TrainingMemory() {
  }

  /** The heap this JVM can still grow into. */
  public static long availableHeap() {
    Runtime rt = Runtime.getRuntime();
    return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
  }

  /**
   * Plans a run of batches up to {@code batch} x {@code seqLen} and switches recomputation on when it
   * is needed; returns null when the model gives no estimate.
   *
   * @throws IllegalArgumentException when the run cannot fit, naming the batch, the need and the heap
   */
  public static Plan prepare(LanguageModel model, List<Parameter> trainable, int batch, int seqLen, boolean dp,
      long availableBytes) {
    long plain = model.trainingActivationBytes(batch, seqLen, false);
    if (plain < 0) {
      return null;
    }
    long params = 0;
    for (Parameter p : trainable) {
      params += p.value().length;
    }
    // value, gradient and AdamW's two moments; per-example gradients under DP; a logits block and its gradient.
    long fixed = 4 * (4 * params + (dp ? (long) batch * params : 0) + 2L * 64 * model.vocabSize());
    plain += fixed;
    boolean canRecompute = model.supportsActivationRecomputation();
    long recompute = canRecompute ? model.trainingActivationBytes(batch, seqLen, true) + fixed : -1;
    long usable = (long) (availableBytes * USABLE);
    if (plain <= usable) {
      model.setActivationRecomputation(false);
      return new Plan(false, plain, recompute, availableBytes);
    }
    if (canRecompute && recompute <= usable) {
      model.setActivationRecomputation(true);
      return new Plan(true, plain, recompute, availableBytes);
    }
    long need = canRecompute ? recompute : plain;
    throw new IllegalArgumentException(String.format(Locale.ROOT,
        "training batches of %d x %d tokens need about %s of heap%s, but only %s is free (of -Xmx %s); lower the"
            + " batch size or the maximum length, or give the node more heap (COHORT_JAVA_OPTS=-Xmx...)",
        batch, seqLen, gib(need), canRecompute ? " even with activation recomputation" : "", gib(availableBytes),
        gib(Runtime.getRuntime().maxMemory())));
  }

  static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
  }
}
