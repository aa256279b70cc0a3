package io.cohort.bench.secagg;

import io.cohort.crypto.secagg.MaskedInput;

/**
 * Upload size of a masked input against a plain fp32 upload of the same d values: the encoded
 * {@link MaskedInput} (what the node streams) over 4d bytes. The transport adds the same framing
 * to both (1 MiB chunks: a protobuf tag and length plus gRPC's 5-byte frame prefix, 9 bytes a
 * chunk), so it is reported separately.
 */
public final class UploadSizeReport {
  private UploadSizeReport() {}

  public static void main(String[] args) {
    System.out.println("| d | plain fp32 bytes | masked input bytes | ratio |");
    System.out.println("|---|---|---|---|");
    for (int d : new int[] {1_000, 100_000, 1_000_000, 4_190_000, 40_000_000}) {
      long plain = 4L * d;
      long masked = new MaskedInput(new byte[32], 1, new byte[4 * (d + 1)]).encode().length;
      System.out.printf("| %,d | %,d | %,d | %.6f |%n", d, plain, masked, (double) masked / plain);
    }
  }
}
