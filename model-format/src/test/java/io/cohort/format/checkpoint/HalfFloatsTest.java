package io.cohort.format.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** F16/BF16 widening against known answers (numpy 2.4 {@code float16 → float32} for F16). */
class HalfFloatsTest {

  @ParameterizedTest(name = "f16 {0} -> {1}")
  @CsvSource({
      "0x0000, 0x00000000", // +0
      "0x8000, 0x80000000", // -0
      "0x0001, 0x33800000", // smallest subnormal 2^-24
      "0x8001, 0xb3800000", // negative subnormal
      "0x03ff, 0x387fc000", // largest subnormal
      "0x0400, 0x38800000", // smallest normal 2^-14
      "0x3c00, 0x3f800000", // 1
      "0xc000, 0xc0000000", // -2
      "0x7bff, 0x477fe000", // 65504, largest finite
      "0x7c00, 0x7f800000", // +inf
      "0xfc00, 0xff800000", // -inf
      "0x7e00, 0x7fc00000", // quiet NaN
      "0x3555, 0x3eaaa000", // 0.333251953125
  })
  void f16KnownAnswers(String half, String single) {
    float f = HalfFloats.f16ToFloat((short) Integer.decode(half).intValue());
    assertThat(Integer.toHexString(Float.floatToRawIntBits(f)))
        .isEqualTo(Integer.toHexString((int) Long.decode(single).longValue()));
  }

  @ParameterizedTest(name = "bf16 {0} -> {1}")
  @CsvSource({
      "0x0000, 0x00000000",
      "0x8000, 0x80000000",
      "0x0001, 0x00010000", // subnormal
      "0x3f80, 0x3f800000", // 1
      "0x4049, 0x40490000", // 3.140625
      "0xc2f7, 0xc2f70000", // -123.5
      "0x7f7f, 0x7f7f0000", // largest finite
      "0x7f80, 0x7f800000", // +inf
      "0xff80, 0xff800000", // -inf
      "0x7fc0, 0x7fc00000", // NaN
  })
  void bf16KnownAnswers(String half, String single) {
    float f = HalfFloats.bf16ToFloat((short) Integer.decode(half).intValue());
    assertThat(Float.floatToRawIntBits(f)).isEqualTo((int) Long.decode(single).longValue());
  }

  /** Every one of the 65536 F16 patterns against the textbook formula, computed in double. */
  @Test
  void f16AllPatternsMatchTheDefinition() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = HalfFloats.f16ToFloat((short) bits);
      int sign = (bits >> 15) == 0 ? 1 : -1;
      int exponent = (bits >> 10) & 0x1f;
      int mantissa = bits & 0x3ff;
      double expected;
      if (exponent == 0x1f) {
        expected = mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
      } else if (exponent == 0) {
        expected = sign * Math.scalb((double) mantissa, -24);
      } else {
        expected = sign * Math.scalb(1.0 + mantissa / 1024.0, exponent - 15);
      }
      if (Double.isNaN(expected)) {
        assertThat(Float.isNaN(f)).as("pattern 0x%04x", bits).isTrue();
      } else {
        assertThat((double) f).as("pattern 0x%04x", bits).isEqualTo(expected);
        assertThat(Math.copySign(1.0f, f)).as("sign of 0x%04x", bits).isEqualTo((float) sign);
      }
    }
  }
}
