package io.cohort.coordinator.grpc;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.store.PrivacyStore.DeclaredBudget;
import io.cohort.proto.v1.DatasetOffer;
import io.cohort.proto.v1.RegisterRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Checks the privacy budgets a registering node declares per dataset (display only) at the boundary. */
final class DeclaredBudgets {
  private DeclaredBudgets() {}

  /**
   * The budgets of {@code req}'s datasets that declare one.
   *
   * @throws DomainException INVALID_ARGUMENT naming the dataset and field that is out of range
   */
  static List<DeclaredBudget> of(RegisterRequest req, Instant now) {
    List<DeclaredBudget> out = new ArrayList<>();
    for (int i = 0; i < req.getDatasetsCount(); i++) {
      DatasetOffer d = req.getDatasets(i);
      if (!d.hasBudget()) {
        continue;
      }
      String where = "datasets[" + i + "] ('" + d.getAlias() + "').budget";
      if (d.getAlias().isEmpty() || d.getAlias().length() > 64) {
        throw DomainException.invalid("datasets[" + i + "].alias must be 1-64 characters");
      }
      double eps = d.getBudget().getEpsilon();
      double delta = d.getBudget().getDelta();
      String accountant = d.getBudget().getAccountant();
      if (!(eps > 0) || Double.isInfinite(eps)) {
        throw DomainException.invalid(where + ".epsilon must be a finite number > 0, got " + eps);
      }
      if (!(delta > 0 && delta < 1)) {
        throw DomainException.invalid(where + ".delta must be in (0, 1), got " + delta);
      }
      if (!accountant.equals("rdp") && !accountant.equals("pld")) {
        throw DomainException.invalid(where + ".accountant must be rdp or pld, got '" + accountant + "'");
      }
      out.add(new DeclaredBudget(req.getNodeId(), d.getAlias(), eps, delta, accountant, now));
    }
    return out;
  }
}
