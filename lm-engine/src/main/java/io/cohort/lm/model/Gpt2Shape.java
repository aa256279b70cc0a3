package io.cohort.lm.model;

/**
 * The dimensions of a GPT-2 model (Hugging Face {@code config.json}: vocab_size, n_positions,
 * n_embd, n_layer, n_head, layer_norm_epsilon). The MLP is 4 x n_embd wide, as in GPT-2.
 */
public record Gpt2Shape(int vocabSize, int positions, int width, int layers, int heads, float layerNormEps) {
  public Gpt2Shape {
    if (vocabSize < 1 || positions < 1 || width < 1 || layers < 1 || heads < 1) {
      throw new IllegalArgumentException("GPT-2 dimensions must be positive: " + this);
    }
    if (width % heads != 0) {
      throw new IllegalArgumentException("n_embd " + width + " is not a multiple of n_head " + heads);
    }
  }

  /** GPT-2 small: 12 layers, 768 wide, 12 heads, 1024 positions, 50257 tokens. */
  public static Gpt2Shape gpt2Small() {
    return new Gpt2Shape(50257, 1024, 768, 12, 12, 1e-5f);
  }

  public int headDim() {
    return width / heads;
  }

  public int innerWidth() {
    return 4 * width;
  }
}
