package io.cohort.crypto.ledger;

/** Recording a spend would take the dataset past its epsilon budget; nothing was written. */
public final class BudgetExceededException extends Exception {
  private static final long serialVersionUID = 1L;
  private final double projectedEpsilon;
  private final double budgetEpsilon;

  public BudgetExceededException(String datasetId, double projectedEpsilon, double budgetEpsilon) {
    super("dataset " + datasetId + ": this spend would bring epsilon to " + projectedEpsilon + ", over the budget of "
        + budgetEpsilon);
    this.projectedEpsilon = projectedEpsilon;
    this.budgetEpsilon = budgetEpsilon;
  }

  public double projectedEpsilon() {
    return projectedEpsilon;
  }

  public double budgetEpsilon() {
    return budgetEpsilon;
  }
}
