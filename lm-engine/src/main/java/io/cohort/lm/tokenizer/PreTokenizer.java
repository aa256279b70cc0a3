package io.cohort.lm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenizer: splits text into words, numbers, punctuation runs and whitespace
 * before BPE, with the regular expression of OpenAI's encoder.
 *
 * <p>{@code UNICODE_CHARACTER_CLASS} makes {@code \s}/{@code \S} Unicode White_Space, as in
 * Python's {@code regex} module and Hugging Face tokenizers; Java's default {@code \s} is ASCII
 * only and would glue e.g. a no-break space to the following word. {@code \p{L}} and
 * {@code \p{N}} are Unicode categories, and Java matches them by code point, so characters
 * outside the BMP (emoji, rare CJK) are handled as the reference does.
 */
final class PreTokenizer {
  static final String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
  private static final Pattern PATTERN = Pattern.compile(GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

  private PreTokenizer() {}

  static List<String> split(String text) {
    List<String> pieces = new ArrayList<>();
    Matcher m = PATTERN.matcher(text);
    while (m.find()) {
      pieces.add(m.group());
    }
    return pieces;
  }
}
