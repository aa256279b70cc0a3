package io.cohort.format.checkpoint;

/**
 * IEEE half (F16) and bfloat16 (BF16) to float32, in plain Java. ND4J M2.1's own BF16 and heap
 * conversions give wrong values, and {@code Float.float16ToFloat} needs Java 20, so the bit
 * manipulation lives here. Both conversions are exact: every F16 and BF16 value is a float32.
 */
public final class HalfFloats {
  private HalfFloats() {}

  /** bfloat16 is the top 16 bits of a float32, so widening is a shift (NaN payloads kept). */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** IEEE 754 binary16 to binary32, including subnormals, infinities, NaN and negative zero. */
  public static float f16ToFloat(short bits) {
    int h = bits & 0xffff;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exponent == 0x1f) {
      // infinity or NaN: keep the payload in the top mantissa bits
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign);
      }
      // subnormal half: value = mantissa * 2^-24, which float32 represents exactly
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13));
  }
}
