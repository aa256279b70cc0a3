package io.cohort.client.privacy;

import io.cohort.crypto.ledger.Spend;
import io.cohort.proto.v1.JobSpec;

/** Issue 19 #2: the privacy unit a job names ({@code privacy.unit}). */
public final class PrivacyUnits {
  private PrivacyUnits() {}

  /** {@link Spend#RECORD_UNIT}, or the column / JSON field that names the person. */
  public static String of(JobSpec spec) {
    String u = spec.getPrivacy().getUnit();
    return u.isEmpty() ? Spend.RECORD_UNIT : u;
  }

  /** Whether the job's DP is per person (a unit column or field) rather than per record. */
  public static boolean perPerson(JobSpec spec) {
    return PrivacyGuard.isPrivate(spec) && !of(spec).equals(Spend.RECORD_UNIT);
  }
}
