package io.cohort.lm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.lm.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextBatcherTest {
  private static final int EOS = 50256;
  private static Gpt2Tokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = Gpt2Tokenizer.fromDirectory(Path.of("../examples/text/tiny-gpt2-reuters"));
  }

  @Test
  void padsToTheLongestAndTruncatesToMaxLength() {
    TokenBatch b = TokenBatch.pad(List.of(new int[] {1, 2, 3, 4, 5, 6}, new int[] {7}, new int[] {8, 9}), 4, 0, false);
    assertThat(b.ids()).isDeepEqualTo(new int[][] {{1, 2, 3, 4}, {7, 0, 0, 0}, {8, 9, 0, 0}});
    assertThat(b.lengths()).containsExactly(4, 1, 2);
    assertThat(b.mask()).isDeepEqualTo(new boolean[][] {
        {true, true, true, true}, {true, false, false, false}, {true, true, false, false}});
    assertThat(b.realTokens()).isEqualTo(7);
    assertThat(b.seqLen()).isEqualTo(4);
    assertThat(b.isReal(2, 1)).isTrue();
    assertThat(b.isReal(2, 2)).isFalse();

    TokenBatch fixed = TokenBatch.pad(List.of(new int[] {7}), 3, -1, true);
    assertThat(fixed.ids()).isDeepEqualTo(new int[][] {{7, -1, -1}});
    assertThatThrownBy(() -> TokenBatch.pad(List.of(), 0, 0, false)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void classificationBatchKeepsLabelsAndPadsWithEos() {
    TextBatcher batcher = new TextBatcher(tokenizer, 3, false, false);
    TextBatcher.LabeledBatch b = batcher.labeledBatch(List.of(
        new LabeledText(1, "Hello world", 1), new LabeledText(2, "I'm sure they'll say", 0),
        new LabeledText(3, "", 1)));
    assertThat(b.labels()).containsExactly(1, 0, 1);
    assertThat(b.tokens().ids()).isDeepEqualTo(new int[][] {{15496, 995, EOS}, {40, 1101, 1654}, {EOS, EOS, EOS}});
    assertThat(b.tokens().lengths()).as("empty text keeps one real token").containsExactly(2, 3, 1);
  }

  @Test
  void causalLmAppendsEosUnlessTruncated() {
    TextBatcher batcher = new TextBatcher(tokenizer, 3, true, false);
    assertThat(batcher.tokenize("Hello world")).containsExactly(15496, 995, EOS);
    assertThat(batcher.tokenize("Hello")).containsExactly(15496, EOS);
    assertThat(batcher.tokenize("I'm sure they'll say")).containsExactly(40, 1101, 1654);
    assertThat(batcher.tokenize("")).containsExactly(EOS);
    assertThat(batcher.batch(List.of("Hello", "Hello world")).lengths()).containsExactly(2, 3);
  }
}
