package io.cohort.client.tabular;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The German credit example shipped in examples/credit, for tests. */
final class CreditData {
  private CreditData() {}

  /** examples/credit/credit-g.csv, whether tests run from the module or the repository root. */
  static Path file() {
    for (Path candidate :
        List.of(Path.of("../examples/credit/credit-g.csv"), Path.of("examples/credit/credit-g.csv"))) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("examples/credit/credit-g.csv not found from "
        + Path.of("").toAbsolutePath());
  }

  static TabularSchema schema(List<Integer> hiddenUnits) {
    return new TabularSchema(
        "class",
        List.of("good", "bad"),
        List.of("duration", "credit_amount", "installment_commitment", "residence_since", "age",
            "existing_credits", "num_dependents"),
        List.of(
            new CategoricalColumn("checking_status",
                List.of("<0", "0<=X<200", ">=200", "no checking")),
            new CategoricalColumn("credit_history",
                List.of("no credits/all paid", "all paid", "existing paid",
                    "delayed previously", "critical/other existing credit")),
            new CategoricalColumn("purpose",
                List.of("new car", "used car", "furniture/equipment", "radio/tv",
                    "domestic appliance", "repairs", "education", "vacation", "retraining",
                    "business", "other")),
            new CategoricalColumn("savings_status",
                List.of("<100", "100<=X<500", "500<=X<1000", ">=1000", "no known savings")),
            new CategoricalColumn("employment",
                List.of("unemployed", "<1", "1<=X<4", "4<=X<7", ">=7")),
            new CategoricalColumn("personal_status",
                List.of("male div/sep", "female div/dep/mar", "male single", "male mar/wid",
                    "female single")),
            new CategoricalColumn("other_parties", List.of("none", "co applicant", "guarantor")),
            new CategoricalColumn("property_magnitude",
                List.of("real estate", "life insurance", "car", "no known property")),
            new CategoricalColumn("other_payment_plans", List.of("bank", "stores", "none")),
            new CategoricalColumn("housing", List.of("rent", "own", "for free")),
            new CategoricalColumn("job",
                List.of("unemp/unskilled non res", "unskilled resident", "skilled",
                    "high qualif/self emp/mgmt")),
            new CategoricalColumn("own_telephone", List.of("none", "yes")),
            new CategoricalColumn("foreign_worker", List.of("yes", "no"))),
        hiddenUnits);
  }
}
