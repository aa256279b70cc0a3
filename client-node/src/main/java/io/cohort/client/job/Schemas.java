package io.cohort.client.job;

import io.cohort.client.tabular.TabularSchema;
import io.cohort.proto.v1.TabularSpec;

/** Converts the wire's {@link TabularSpec} into the domain {@link TabularSchema}. */
public final class Schemas {
  private Schemas() {}

  /** @throws IllegalArgumentException naming the invalid field */
  public static TabularSchema fromSpec(TabularSpec t) {
    return new TabularSchema(t.getLabelColumn(), t.getClassesList(), t.getNumericColumnsList(),
        t.getCategoricalColumnsList().stream()
            .map(c -> new TabularSchema.CategoricalColumn(c.getName(), c.getCategoriesList()))
            .toList(),
        t.getHiddenUnitsList());
  }
}
