package io.cohort.lm.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The number format of the frozen base weights' products ({@code compute.precision}). FP32 runs
 * them in single precision on OpenBLAS; BF16 rounds both operands to bfloat16 and multiplies them on
 * oneDNN with FP32 accumulation and an FP32 result. Trainable parameters (LoRA, heads), their
 * gradients and optimiser state stay FP32 in both.
 */
public enum Precision {
  FP32, BF16;

  /** Parses {@code fp32}, {@code bf16} or {@code auto} (BF16 where the CPU has BF16 instructions). */
  public static Precision parse(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "fp32" -> FP32;
      case "bf16" -> BF16;
      case "auto" -> cpuHasBf16() ? BF16 : FP32;
      default -> throw new IllegalArgumentException("precision must be fp32, bf16 or auto, got '" + value + "'");
    };
  }

  /**
   * True when the CPU multiplies BF16 in hardware (AVX512_BF16 or AMX-BF16). Without them oneDNN
   * would emulate BF16 more slowly than FP32 runs, so {@code auto} picks FP32 there.
   */
  public static boolean cpuHasBf16() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          String flags = " " + line.substring(line.indexOf(':') + 1) + " ";
          return flags.contains(" avx512_bf16 ") || flags.contains(" amx_bf16 ");
        }
      }
    } catch (IOException | RuntimeException e) {
      // No /proc (not Linux): FP32 is the safe choice.
    }
    return false;
  }
}
