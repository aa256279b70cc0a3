package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TabularSchemaTest {

  private static TabularSchema schema(
      String label, List<String> classes, List<String> numeric,
      List<CategoricalColumn> categorical, List<Integer> hidden) {
    return new TabularSchema(label, classes, numeric, categorical, hidden);
  }

  private static final List<CategoricalColumn> COLOUR =
      List.of(new CategoricalColumn("colour", List.of("red", "green", "blue")));

  @Test
  void validSchema_inputWidthCountsNumericAndEveryCategory() {
    TabularSchema s = schema("y", List.of("no", "yes"), List.of("a", "b"),
        List.of(new CategoricalColumn("colour", List.of("red", "green", "blue")),
            new CategoricalColumn("size", List.of("s", "l"))),
        List.of(8, 4));

    assertThat(s.inputWidth()).isEqualTo(2 + 3 + 2);
    assertThat(s.numClasses()).isEqualTo(2);
    assertThat(s.featureNames())
        .containsExactly("a", "b", "colour=red", "colour=green", "colour=blue", "size=s", "size=l");
  }

  @Test
  void creditSchema_hasSixtyThreeInputs() {
    // 7 numeric + 4+5+11+5+5+5+3+4+3+3+4+2+2 categories.
    assertThat(CreditData.schema(List.of(32)).inputWidth()).isEqualTo(63);
  }

  @Test
  void lists_areCopiedAndUnmodifiable() {
    List<String> numeric = new ArrayList<>(List.of("a"));
    TabularSchema s = schema("y", List.of("no", "yes"), numeric, List.of(), List.of());
    numeric.add("b");

    assertThat(s.numericColumns()).containsExactly("a");
    assertThatThrownBy(() -> s.numericColumns().add("c"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void emptyLabel_rejectedNamingField() {
    assertThatThrownBy(() -> schema("", List.of("a", "b"), List.of("x"), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("labelColumn");
  }

  @Test
  void oneClass_rejectedAskingForTwo() {
    assertThatThrownBy(() -> schema("y", List.of("a"), List.of("x"), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("classes")
        .hasMessageContaining("at least 2");
  }

  @Test
  void repeatedClass_rejectedNamingIt() {
    assertThatThrownBy(() -> schema("y", List.of("a", "a"), List.of("x"), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("classes list 'a' more than once");
  }

  @Test
  void columnListedTwice_rejectedNamingIt() {
    assertThatThrownBy(() -> schema("y", List.of("a", "b"), List.of("x", "x"), List.of(),
            List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'x'")
        .hasMessageContaining("once");
    assertThatThrownBy(() -> schema("y", List.of("a", "b"), List.of("colour"), COLOUR,
            List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("categoricalColumns lists column 'colour'");
  }

  @Test
  void labelAsFeature_rejected() {
    assertThatThrownBy(() -> schema("y", List.of("a", "b"), List.of("x", "y"), List.of(),
            List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numericColumns lists the label column 'y'");
  }

  @Test
  void noFeatures_rejected() {
    assertThatThrownBy(() -> schema("y", List.of("a", "b"), List.of(), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one feature");
  }

  @Test
  void badCategories_rejectedNamingColumn() {
    assertThatThrownBy(() -> new CategoricalColumn("colour", List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("categories of column 'colour'")
        .hasMessageContaining("at least one");
    assertThatThrownBy(() -> new CategoricalColumn("colour", List.of("red", "red")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'red' more than once");
    assertThatThrownBy(() -> new CategoricalColumn("", List.of("red")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
  }

  @Test
  void nonPositiveHiddenUnits_rejectedNamingIndex() {
    assertThatThrownBy(() -> schema("y", List.of("a", "b"), List.of("x"), List.of(),
            List.of(16, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hiddenUnits[1] is 0")
        .hasMessageContaining("positive");
  }

  @Test
  void nullEntries_rejectedAsIllegalArgument() {
    List<String> withNull = new ArrayList<>();
    withNull.add("x");
    withNull.add(null);
    assertThatThrownBy(() -> schema("y", List.of("a", "b"), withNull, List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numericColumns[1] is null");
    assertThatThrownBy(() -> schema("y", null, List.of("x"), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("classes");
  }

  @Test
  void sameFeatures_ignoresHiddenUnits() {
    TabularSchema a = CreditData.schema(List.of(32));
    TabularSchema b = CreditData.schema(List.of(8, 8));

    assertThat(a.sameFeatures(b)).isTrue();
    assertThat(a).isNotEqualTo(b);
  }
}
