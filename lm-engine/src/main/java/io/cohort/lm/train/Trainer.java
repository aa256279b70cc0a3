package io.cohort.lm.train;

import io.cohort.lm.data.Shuffle;
import io.cohort.lm.model.LanguageModel;
import io.cohort.lm.model.Parameter;
import io.cohort.lm.model.Pass;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The fine-tuning loop: the model's adapters and the task's head are trained, everything else is
 * frozen. Non-private runs shuffle the records each epoch into fixed-size batches; DP-SGD runs draw
 * each batch by Poisson sampling (every record independently with probability q = batch / records),
 * as the accountant's analysis assumes, for {@code epochs / q} steps.
 */
public final class Trainer {
  /** Mixed into the seed for the data order (shuffling, Poisson sampling), apart from other seeded streams. */
  private static final long ORDER_STREAM = 0x6F72_6465_7273L; // "orders"
  private final LanguageModel model;
  private final Objective task;
  private final int padId;
  private TrainingMemory.Plan memoryPlan;
  private GradientAudit audit;

  public Trainer(LanguageModel model, Objective task, int padId) {
    this.model = model;
    this.task = task;
    this.padId = padId;
  }

  /**
   * The stream a non-private run draws its per-epoch shuffles from ({@link Shuffle#permutation}, one
   * per epoch): exposed so a reference implementation can replay exactly the same batches.
   */
  static SplittableRandom orderStream(long seed) {
    return new SplittableRandom(seed ^ ORDER_STREAM);
  }

  /** One step's outcome, for progress output. */
  public record Step(long step, long totalSteps, int batch, double loss) {
  }

  /**
   * A white-box privacy audit for the following training calls (null: none): its canaries join
   * every step's gradient, under DP-SGD before the noise.
   */
  public void setAudit(GradientAudit audit) {
    this.audit = audit;
  }

  /** All trainable parameters: the adapters', then the task's. */
  public List<Parameter> parameters() {
    List<Parameter> p = new ArrayList<>(model.adapterParameters());
    p.addAll(task.parameters());
    return p;
  }

  /**
   * Trains on {@code sequences} (already truncated to the maximum length) with {@code labels}
   * (null for language modelling).
   */
  public TrainReport train(List<int[]> sequences, int[] labels, TrainOptions o, Consumer<Step> progress) {
    int n = sequences.size();
    if (n == 0) {
      throw new IllegalArgumentException("no training records");
    }
    // Its own stream: LoRA's A is initialised from a SplittableRandom on the same seed (LoraInit), and
    // drawing the data order from that identical stream tied each run's order to its A matrices.
    SplittableRandom order = orderStream(o.seed());
    SplittableRandom dropout = new SplittableRandom(o.seed() ^ 0x5DEECE66DL);
    Optimizer opt = new AdamW(o.weightDecay());
    List<Parameter> params = parameters();
    boolean dp = o.dp() != null;
    double q = Math.min(1.0, (double) o.batchSize() / n);
    planMemory(sequences, dp ? largestPoissonBatch(n, q) : Math.min(n, o.batchSize()), dp);
    long stepsPerEpoch = dp ? Math.max(1, Math.round(1 / q)) : (n + o.batchSize() - 1) / o.batchSize();
    long total = stepsPerEpoch * o.epochs();
    DpSgd dpSgd = dp ? new DpSgd(o.dp().noiseMultiplier(), o.dp().clipNorm(), GaussianNoise.create()) : null;
    // The Poisson sample is part of the DP mechanism: secret randomness, not the seeded order stream.
    PoissonSampler sampler = dp ? PoissonSampler.secure() : null;
    long start = System.nanoTime();
    long step = 0;
    long tokens = 0;
    long examples = 0;
    double epochLoss = 0;
    for (int epoch = 0; epoch < o.epochs(); epoch++) {
      epochLoss = 0;
      long epochExamples = 0;
      int[] perm = dp ? null : Shuffle.permutation(n, order);
      for (long s = 0; s < stepsPerEpoch; s++) {
        int[] idx = dp ? sampler.sample(n, q) : slice(perm, (int) s * o.batchSize(), o.batchSize());
        double loss = step(sequences, labels, idx, params, dpSgd, q * n, opt, o.learningRate(), dropout);
        step++;
        examples += idx.length;
        for (int i : idx) {
          tokens += sequences.get(i).length;
        }
        if (idx.length > 0) {
          epochLoss += loss * idx.length;
          epochExamples += idx.length;
        }
        if (progress != null) {
          progress.accept(new Step(step, total, idx.length, loss));
        }
      }
      epochLoss /= Math.max(1, epochExamples);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    return new TrainReport(step, examples, tokens, epochLoss, secs, dp, dp ? q : 0,
        dp ? dpSgd.noiseMultiplier() : 0, dp ? dpSgd.clipNorm() : 0);
  }

  /**
   * DP-SGD for exactly {@code steps} steps, each on a Poisson sample of the records at rate
   * {@code q}: the schedule a privacy accountant was given as {@code (q, sigma, steps)}, as a
   * federated round's plan fixes it (unlike {@link #train}, which derives q and the steps from a
   * batch size and epochs). {@code sampler} draws each step's sample: in real training it is
   * {@link PoissonSampler#secure()}, because amplification by subsampling assumes nobody can predict
   * it. {@code seed} drives dropout only, never the sample or the noise.
   */
  public TrainReport trainPoisson(List<int[]> sequences, int[] labels, double q, long steps, DpSgd dpSgd,
      Optimizer opt, double lr, PoissonSampler sampler, long seed) {
    int n = sequences.size();
    if (n == 0) {
      throw new IllegalArgumentException("no training records");
    }
    if (!(q > 0 && q <= 1) || steps < 1) {
      throw new IllegalArgumentException("DP-SGD needs q in (0, 1] and at least one step, got q=" + q + ", steps="
          + steps);
    }
    planMemory(sequences, largestPoissonBatch(n, q), true);
    SplittableRandom dropout = new SplittableRandom(seed ^ 0x5DEECE66DL);
    List<Parameter> params = parameters();
    long start = System.nanoTime();
    long tokens = 0;
    long examples = 0;
    double lossSum = 0;
    for (long s = 0; s < steps; s++) {
      int[] idx = sampler.sample(n, q);
      double loss = step(sequences, labels, idx, params, dpSgd, q * n, opt, lr, dropout);
      examples += idx.length;
      for (int i : idx) {
        tokens += sequences.get(i).length;
      }
      if (idx.length > 0) {
        lossSum += loss * idx.length;
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    return new TrainReport(steps, examples, tokens, examples == 0 ? Double.NaN : lossSum / examples, secs, true, q,
        dpSgd.noiseMultiplier(), dpSgd.clipNorm());
  }

  /**
   * Distributed DP-SGD's node-side input (no step is taken): the gradient of each example in
   * {@code idx} at the current parameters, clipped to L2 norm at most {@code clipNorm} over all
   * trainable parameters together, flattened in {@link #parameters()} order (each tensor row-major).
   * Examples go through the model {@code chunk} at a time, so memory is that of a DP-SGD batch of
   * {@code chunk}. {@code dropout} drives dropout only.
   */
  public List<float[]> clippedExampleGradients(List<int[]> sequences, int[] labels, int[] idx, double clipNorm,
      int chunk, SplittableRandom dropout) {
    if (!(clipNorm > 0) || chunk < 1) {
      throw new IllegalArgumentException("need clipNorm > 0 and chunk >= 1, got " + clipNorm + ", " + chunk);
    }
    List<float[]> out = new ArrayList<>(idx.length);
    if (idx.length == 0) {
      return out;
    }
    planMemory(sequences, Math.min(chunk, idx.length), true);
    List<Parameter> params = parameters();
    int total = 0;
    for (Parameter p : params) {
      total += p.size();
    }
    for (int from = 0; from < idx.length; from += chunk) {
      int[] part = slice(idx, from, chunk);
      forwardBackward(batch(sequences, labels, part), params, true, dropout);
      PerExampleClipping.clipInPlace(params, part.length, clipNorm);
      for (int e = 0; e < part.length; e++) {
        float[] g = new float[total];
        int at = 0;
        for (Parameter p : params) {
          System.arraycopy(p.perExampleGrad(), e * p.size(), g, at, p.size());
          at += p.size();
        }
        out.add(g);
      }
    }
    return out;
  }

  private double step(List<int[]> sequences, int[] labels, int[] idx, List<Parameter> params, DpSgd dpSgd,
      double expectedBatch, Optimizer opt, double lr, SplittableRandom dropout) {
    double loss = Double.NaN;
    if (idx.length == 0) {
      // An empty Poisson batch still takes a (noise-only) step: skipping it would change the mechanism.
      dpSgd.privatize(params, 0, expectedBatch, audit);
    } else {
      Batch batch = batch(sequences, labels, idx);
      loss = forwardBackward(batch, params, dpSgd != null, dropout);
      if (dpSgd != null) {
        dpSgd.privatize(params, batch.batch(), expectedBatch, audit);
      } else if (audit != null) {
        audit.beforeNoise(params);
        audit.afterNoise(params);
      }
    }
    opt.step(params, lr);
    return loss;
  }

  /**
   * One forward and backward pass over {@code batch}: summed gradients in {@code grad()}, or
   * per-example gradients when {@code perExample}. Returns the batch loss.
   */
  public double forwardBackward(Batch batch, List<Parameter> params, boolean perExample, SplittableRandom dropout) {
    for (Parameter p : params) {
      if (perExample) {
        p.resetPerExample(batch.batch());
      } else {
        p.zeroGrad();
      }
    }
    Pass pass = Pass.training(batch.batch(), batch.seqLen(), perExample, dropout);
    LanguageModel.ForwardState[] acts = new LanguageModel.ForwardState[1];
    float[] hidden = model.forward(batch.ids(), pass, acts);
    float[] dHidden = new float[hidden.length];
    double loss = task.loss(hidden, batch, pass, dHidden);
    model.backward(acts[0], dHidden);
    return loss;
  }

  Batch batch(List<int[]> sequences, int[] labels, int[] idx) {
    int[][] seqs = new int[idx.length][];
    int[] ls = labels == null ? null : new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      seqs[i] = sequences.get(idx[i]);
      if (ls != null) {
        ls[i] = labels[idx[i]];
      }
    }
    return Batch.of(seqs, ls, padId);
  }

  /** The memory plan of the last run (null before one, or when the model gives no estimate). */
  public TrainingMemory.Plan memoryPlan() {
    return memoryPlan;
  }

  /** Fits the run to the heap before its first step: recomputation on if needed, a clear refusal if even that is too much. */
  private void planMemory(List<int[]> sequences, int batch, boolean dp) {
    int longest = 0;
    for (int[] s : sequences) {
      longest = Math.max(longest, s.length);
    }
    memoryPlan = TrainingMemory.prepare(model, parameters(), batch, longest, dp, TrainingMemory.availableHeap());
  }

  /** A Poisson batch larger than this has probability below about 3e-5 (mean plus four standard deviations). */
  static int largestPoissonBatch(int n, double q) {
    double mean = q * n;
    return (int) Math.min(n, Math.ceil(mean + 4 * Math.sqrt(mean * (1 - q)) + 1));
  }

  private static int[] slice(int[] perm, int from, int size) {
    return java.util.Arrays.copyOfRange(perm, from, Math.min(perm.length, from + size));
  }
}
