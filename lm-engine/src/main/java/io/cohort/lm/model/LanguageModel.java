package io.cohort.lm.model;

import java.util.List;
import java.util.Map;

/**
 * A decoder-only language model with frozen base weights and trainable adapters on its linear
 * layers: GPT-2 ({@link Gpt2Model}) or the Llama family ({@link LlamaModel}). Forward returns the
 * final hidden states (after the last norm); tasks put their own head on top. Backward computes
 * only what trainable adapters need.
 */
public interface LanguageModel {
  /** What one training forward pass keeps for its backward pass. */
  interface ForwardState {
  }

  /**
   * The keys and values of the tokens one sequence has seen so far, per layer, for incremental
   * decoding ({@link #forwardCached}); each model has its own layout.
   */
  interface DecodeCache {
    /** How many tokens are cached (the position the next token takes). */
    int length();
  }

  /** Width of the hidden states. */
  int width();

  int vocabSize();

  /** The longest sequence the model accepts. */
  int maxPositions();

  /** The frozen linear layers by Hugging Face module path, in model order. */
  Map<String, Linear> linears();

  /** The trainable parameters of all attached adapters, in model order. */
  List<Parameter> adapterParameters();

  /**
   * Final hidden states [batch * seqLen, width] for ids laid out example-major; {@code saved[0]}
   * receives the activations when {@code pass.training()}.
   */
  float[] forward(int[] ids, Pass pass, ForwardState[] saved);

  /** An empty decode cache for one sequence. */
  DecodeCache newDecodeCache();

  /**
   * Inference on one sequence, incrementally: the final hidden states [ids.length, width] of
   * {@code ids} placed after the tokens already in {@code cache} (one this model made), which then
   * holds them too. The same arithmetic as {@link #forward} on the whole sequence, without
   * recomputing the cached tokens.
   */
  float[] forwardCached(int[] ids, DecodeCache cache);

  /** Accumulates adapter gradients from the gradient of the final hidden states. */
  void backward(ForwardState saved, float[] dHidden);

  /** Language-model logits for rows {@code [from, from + n)} of the hidden states into {@code out} ([n, vocab]). */
  void logits(float[] hidden, int from, int n, float[] out);

  /** {@code dHidden[from..from+n) += dLogits * head} (the output head's input gradient). */
  void logitsBackward(float[] dLogits, int from, int n, float[] dHidden);

  /**
   * The frozen output head ([vocab, width]) that {@link #logits} multiplies by, for the fused
   * next-token loss ({@link OutputHeadLoss}); null when the model has none to offer.
   */
  default NativeMatrix outputHead() {
    return null;
  }

  /**
   * Estimated heap bytes a training forward plus backward pass holds at its peak for a batch of
   * {@code batch} sequences of {@code seqLen} tokens ({@code recompute}: with activation
   * recomputation), or -1 when the model does not estimate it.
   */
  default long trainingActivationBytes(int batch, int seqLen, boolean recompute) {
    return -1;
  }

  /** Whether {@link #setActivationRecomputation} does anything for this model. */
  default boolean supportsActivationRecomputation() {
    return false;
  }

  /** Turns activation recomputation on or off, where supported. */
  default void setActivationRecomputation(boolean on) {
  }
}
