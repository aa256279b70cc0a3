package io.cohort.client.job;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Training randomness derived from a job's root seed (Tribuo-style splitting), so that a run is
 * reproducible: the initial model is the same on every node (seed alone); data order differs per
 * node and round. Security randomness is never derived from these.
 */
final class Seeds {
  private Seeds() {}

  static long initialisation(long jobSeed) {
    return new SplittableRandom(jobSeed).split().nextLong();
  }

  static long split(long jobSeed) {
    return mix(jobSeed, "split", 0);
  }

  static long training(long jobSeed, String nodeId, int round) {
    return mix(jobSeed, "train/" + nodeId, round);
  }

  /** Coordinates and signs of an audit's canaries: public by design (the audit assumes the adversary knows them). */
  static long canaryPlacement(long jobSeed) {
    return mix(jobSeed, "audit/canaries", 0);
  }

  private static long mix(long seed, String purpose, int counter) {
    long h = seed;
    for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
      h = h * 0x100000001b3L ^ b;
    }
    return new SplittableRandom(h ^ ((long) counter << 32)).nextLong();
  }
}
