package io.cohort.crypto.dp;

import java.util.ArrayList;
import java.util.List;

/**
 * A sequence of heterogeneous {@link PlanSegment}s, composed adaptively: the privacy cost of the
 * whole training history (or projected training) of one dataset. Order does not change the
 * accounting; it is kept for display. Immutable and never empty.
 */
public final class PrivacyPlan {
  private final List<PlanSegment> segments;

  private PrivacyPlan(List<PlanSegment> segments) {
    this.segments = List.copyOf(segments);
  }

  /** A one-segment plan. */
  public static PrivacyPlan of(double q, double sigma, long steps) throws DpParameterException {
    return new PrivacyPlan(List.of(PlanSegment.of(q, sigma, steps)));
  }

  /** A plan of the given segments, in order; at least one. */
  public static PrivacyPlan of(List<PlanSegment> segments) throws DpParameterException {
    if (segments == null || segments.isEmpty()) {
      throw new DpParameterException("plan", "a privacy plan needs at least one segment");
    }
    return new PrivacyPlan(segments);
  }

  /** This plan followed by {@code other}. */
  public PrivacyPlan then(PrivacyPlan other) {
    List<PlanSegment> all = new ArrayList<>(segments);
    all.addAll(other.segments);
    return new PrivacyPlan(all);
  }

  public List<PlanSegment> segments() {
    return segments;
  }

  /** Total number of mechanism steps, summed over segments. */
  public long totalSteps() {
    long n = 0;
    for (PlanSegment s : segments) {
      n += s.steps();
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PrivacyPlan p && segments.equals(p.segments);
  }

  @Override
  public int hashCode() {
    return segments.hashCode();
  }

  @Override
  public String toString() {
    return "PrivacyPlan" + segments;
  }
}
