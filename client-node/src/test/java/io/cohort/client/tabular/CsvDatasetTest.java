package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cohort.client.tabular.TabularSchema.CategoricalColumn;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvDatasetTest {
  /** No column accepts a missing value: every cell must parse. */
  private static final MissingValues STRICT_NUMBER = new MissingValues(List.of(), Imputation.MEAN, "", false);
  private static final MissingValues STRICT_CATEGORY =
      new MissingValues(List.of(), Imputation.MOST_FREQUENT, "", false);

  /** label 'class' (good/bad), numeric 'age' and 'amount', categorical 'purpose'; no missing values. */
  private static final TabularSchema SCHEMA =
      new TabularSchema(
          "class",
          List.of("good", "bad"),
          List.of("age", "amount"),
          List.of(new CategoricalColumn("purpose",
              List.of("car", "radio/tv", "0<=X<200", "a, \"quoted\" one"))),
          List.of(4),
          Map.of("age", STRICT_NUMBER, "amount", STRICT_NUMBER, "purpose", STRICT_CATEGORY));

  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private static CsvDataset read(String text) throws DatasetException {
    return CsvDataset.read(new StringReader(text), "test.csv", SCHEMA);
  }

  private DatasetException failure(String content) throws IOException {
    Path file = write("credit.csv", content);
    DatasetException e =
        catchThrowableOfType(DatasetException.class, () -> CsvDataset.load(file, SCHEMA));
    assertThat(e).as("loading should fail for:%n%s", content).isNotNull();
    assertThat(e.file()).isEqualTo(file.toString());
    return e;
  }

  @Test
  void simpleFile_parsesValuesByHeaderName() throws Exception {
    // Columns in another order than the schema, plus one the schema ignores.
    CsvDataset data = read("""
        purpose,amount,note,class,age
        car,1000.5,x,good,30
        radio/tv,-2e3,y,bad,41
        """);

    assertThat(data.size()).isEqualTo(2);
    assertThat(data.numeric(0, 0)).isEqualTo(30.0);
    assertThat(data.numeric(0, 1)).isEqualTo(1000.5);
    assertThat(data.numeric(1, 1)).isEqualTo(-2000.0);
    assertThat(data.category(0, 0)).isZero();
    assertThat(data.category(1, 0)).isEqualTo(1);
    assertThat(data.label(0)).isZero();
    assertThat(data.label(1)).isEqualTo(1);
    assertThat(data.classCounts()).containsExactly(1, 1);
    assertThat(data.source()).isEqualTo("test.csv");
  }

  @Test
  void quotedFields_keepCommasQuotesAndLineBreaks() throws Exception {
    CsvDataset data = read(
        "class,age,amount,purpose,note\r\n"
            + "bad,\"30\",1,\"a, \"\"quoted\"\" one\",\"two\r\nlines\"\r\n"
            + "\"good\",40,2,\"0<=X<200\",\"\"\r\n");

    assertThat(data.size()).isEqualTo(2);
    assertThat(data.category(0, 0)).isEqualTo(3);
    assertThat(data.category(1, 0)).isEqualTo(2);
    assertThat(data.label(1)).isZero();
    assertThat(data.numeric(1, 0)).isEqualTo(40.0);
  }

  @Test
  void lineEndings_crlfLfAndMissingFinalNewlineAllParse() throws Exception {
    String lf = "class,age,amount,purpose\ngood,1,2,car\nbad,3,4,car";
    String crlf = "class,age,amount,purpose\r\ngood,1,2,car\r\nbad,3,4,car\r\n";
    String cr = "class,age,amount,purpose\rgood,1,2,car\rbad,3,4,car\r";

    for (String text : List.of(lf, crlf, cr)) {
      CsvDataset data = read(text);
      assertThat(data.size()).as(text).isEqualTo(2);
      assertThat(data.numeric(1, 1)).as(text).isEqualTo(4.0);
    }
  }

  @Test
  void blankLinesAndByteOrderMark_areIgnored() throws Exception {
    CsvDataset data = read("\uFEFFclass,age,amount,purpose\r\ngood,1,2,car\r\n\r\n  \n\n");

    assertThat(data.size()).isEqualTo(1);
  }

  @Test
  void spacesInValues_areSignificantForCategoriesButNotNumbers() throws Exception {
    CsvDataset data = read("class,age,amount,purpose\ngood, 1 ,2,radio/tv\n");

    assertThat(data.numeric(0, 0)).isEqualTo(1.0);
  }

  @Test
  void creditExample_loadsAllRows() throws Exception {
    CsvDataset data = CsvDataset.load(CreditData.file(), CreditData.schema(List.of(32)));

    assertThat(data.size()).isEqualTo(1000);
    assertThat(data.classCounts()).containsExactly(700, 300);
    // First row: <0,6,critical/other existing credit,radio/tv,1169,...,age 67,...,good
    assertThat(data.numeric(0, 0)).isEqualTo(6.0);
    assertThat(data.numeric(0, 1)).isEqualTo(1169.0);
    assertThat(data.numeric(0, 4)).isEqualTo(67.0);
    assertThat(data.category(0, 0)).isZero();
    assertThat(data.category(0, 2)).isEqualTo(3);
    assertThat(data.label(0)).isZero();
  }

  @Test
  void notANumber_namesFileLineAndColumn() throws Exception {
    DatasetException e = failure("class,age,amount,purpose\ngood,1,2,car\ngood,abc,2,car\n");

    assertThat(e.getMessage())
        .startsWith(e.file() + " line 3, column 'age': 'abc' is not a number");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.column()).isEqualTo("age");
  }

  @Test
  void nonDecimalNumbers_rejected() throws Exception {
    for (String bad : List.of("0x1p3", "1d", "1,5", "--1", "")) {
      String quoted = "\"" + bad + "\"";
      DatasetException e = failure("class,age,amount,purpose\ngood," + quoted + ",2,car\n");
      assertThat(e.getMessage()).as(bad)
          .startsWith(e.file() + " line 2, column 'age': ")
          .contains("not a number");
    }
  }

  @Test
  void nanAndInfinity_rejectedAsNotFinite() throws Exception {
    for (String bad : List.of("NaN", "Infinity", "-Infinity", "1e999")) {
      DatasetException e = failure("class,age,amount,purpose\ngood,1," + bad + ",car\n");
      assertThat(e.getMessage()).as(bad)
          .startsWith(e.file() + " line 2, column 'amount': '" + bad + "'")
          .containsAnyOf("not a finite number", "expected a finite number");
    }
  }

  @Test
  void wrongFieldCount_namesLineAndBothCounts() throws Exception {
    DatasetException e = failure(
        "class,age,amount,purpose\ngood,1,2,car\ngood,1,2,car\ngood,1,2,car\ngood,1,2\n");

    assertThat(e.getMessage()).startsWith(e.file() + " line 5: expected 4 fields, found 3");
    assertThat(e.line()).isEqualTo(5);
    assertThat(e.column()).isNull();
  }

  @Test
  void missingColumn_listsHeader() throws Exception {
    DatasetException e = failure("class,amount,purpose\ngood,2,car\n");

    assertThat(e.getMessage())
        .isEqualTo(e.file() + ": missing column 'age' (header has: class, amount, purpose)");
    assertThat(e.line()).isZero();
  }

  @Test
  void unknownLabel_listsClasses() throws Exception {
    DatasetException e = failure(
        "class,age,amount,purpose\n" + "good,1,2,car\n".repeat(7) + "maybe,1,2,car\n");

    assertThat(e.getMessage())
        .isEqualTo(e.file() + " line 9, column 'class': 'maybe' is not one of [good, bad]");
  }

  @Test
  void unknownCategory_listsCategories() throws Exception {
    DatasetException e = failure("class,age,amount,purpose\ngood,1,2,boat\n");

    assertThat(e.getMessage()).isEqualTo(e.file() + " line 2, column 'purpose': 'boat' is not"
        + " one of [car, radio/tv, 0<=X<200, a, \"quoted\" one]");
  }

  @Test
  void categoryWithStraySpace_isUnknown() throws Exception {
    DatasetException e = failure("class,age,amount,purpose\ngood,1,2,car \n");

    assertThat(e.getMessage()).contains("'car ' is not one of");
  }

  @Test
  void unterminatedQuote_namesLineWhereItOpens() throws Exception {
    DatasetException e = failure("class,age,amount,purpose\ngood,1,2,car\nbad,1,2,\"car\nbad,1,2,car\n");

    assertThat(e.getMessage())
        .startsWith(e.file() + " line 3, column 'purpose': quoted field is never closed");
  }

  @Test
  void textAfterClosingQuote_rejected() throws Exception {
    DatasetException e = failure("class,age,amount,purpose\ngood,1,2,\"car\"x\n");

    assertThat(e.getMessage()).startsWith(e.file() + " line 2, column 'purpose': unexpected 'x'");
  }

  @Test
  void quoteInsideUnquotedField_rejected() throws Exception {
    DatasetException e = failure("class,age,amount,purpose\ngood,1,2,ca\"r\n");

    assertThat(e.getMessage()).startsWith(e.file() + " line 2, column 'purpose': '\"' inside");
  }

  @Test
  void lineNumbers_countLineBreaksInsideQuotes() throws Exception {
    DatasetException e = failure(
        "class,age,amount,purpose,note\ngood,1,2,car,\"a\nb\r\nc\"\ngood,x,2,car,n\n");

    assertThat(e.getMessage()).startsWith(e.file() + " line 5, column 'age'");
  }

  @Test
  void emptyFile_saysHeaderExpected() throws Exception {
    for (String content : List.of("", "\n\n")) {
      DatasetException e = failure(content);
      assertThat(e.getMessage()).startsWith(e.file() + ": empty file").contains("header");
    }
  }

  @Test
  void headerOnly_saysNoRows() throws Exception {
    DatasetException e = failure("class,age,amount,purpose\n");

    assertThat(e.getMessage()).startsWith(e.file() + ": no data rows");
  }

  @Test
  void schemaColumnTwiceInHeader_rejected() throws Exception {
    DatasetException e = failure("class,age,amount,purpose,age\ngood,1,2,car,3\n");

    assertThat(e.getMessage())
        .startsWith(e.file() + " line 1, column 'age': appears twice in the header");
  }

  @Test
  void missingFile_namesIt() {
    Path file = dir.resolve("absent.csv");
    DatasetException e =
        catchThrowableOfType(DatasetException.class, () -> CsvDataset.load(file, SCHEMA));

    assertThat(e.getMessage()).isEqualTo(file + ": no such file");
  }

  @Test
  void invalidUtf8_reportedAsDatasetException() throws Exception {
    Path file = dir.resolve("latin1.csv");
    byte[] header = "class,age,amount,purpose\ngood,1,2,".getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = new byte[header.length + 2];
    System.arraycopy(header, 0, bytes, 0, header.length);
    bytes[header.length] = (byte) 0xE9; // 'é' in ISO-8859-1, invalid alone in UTF-8
    bytes[header.length + 1] = '\n';
    Files.write(file, bytes);

    DatasetException e =
        catchThrowableOfType(DatasetException.class, () -> CsvDataset.load(file, SCHEMA));

    assertThat(e.getMessage()).startsWith(file + ": is not valid UTF-8");
  }

  /**
   * Issue 22 finding #11: the public rendering (what a decline reason carries to the
   * coordinator) names the dataset, line, column and kind of problem, never the cell and never
   * the local path; the local message keeps the value for the node's operator.
   */
  @Test
  void publicMessage_namesKindOfProblem_neverTheValueOrPath() throws Exception {
    String id = "PATIENT-7731-XYZ";
    record Case(String content, String expected) {}
    List<Case> cases = List.of(
        new Case("class,age,amount,purpose\ngood,1,2," + id + "\n",
            "dataset 'credit' line 2, column 'purpose': not a declared category; expected one of"
                + " [car, radio/tv, 0<=X<200, a, \"quoted\" one]"),
        new Case("class,age,amount,purpose\n" + id + ",1,2,car\n",
            "dataset 'credit' line 2, column 'class': not a declared class; expected one of [good, bad]"),
        new Case("class,age,amount,purpose\n,1,2,car\n",
            "dataset 'credit' line 2, column 'class': missing label; expected one of [good, bad]"),
        new Case("class,age,amount,purpose\ngood," + id + ",2,car\n",
            "dataset 'credit' line 2, column 'age': value is not a number; expected a decimal number"
                + " such as 42 or -1.5e3"),
        new Case("class,age,amount,purpose\ngood,NaN-" + id + ",2,car\n",
            "dataset 'credit' line 2, column 'age': value is not a finite number; expected a decimal"
                + " number such as 42 or -1.5e3"),
        new Case("class,age,amount,purpose\ngood,,2,car\n",
            "dataset 'credit' line 2, column 'age': missing value; expected a decimal number such as"
                + " 42 or -1.5e3"),
        new Case("class,age,amount,purpose\ngood,1,2,\"car\"" + id + "\n",
            "dataset 'credit' line 2, column 'purpose': unexpected character after the closing quote;"
                + " a quoted field must end at a comma or the end of the line"),
        new Case("class,amount,purpose," + id + "\ngood,2,car,x\n",
            "dataset 'credit': missing column 'age'"));
    for (Case c : cases) {
      DatasetException e = failure(c.content());
      assertThat(e.publicMessage("dataset 'credit'")).as(c.content())
          .isEqualTo(c.expected()).doesNotContain(id).doesNotContain(dir.toString());
      assertThat(e.getMessage()).as("the local message keeps the detail").contains(e.file());
    }
    assertThat(failure(cases.get(0).content()).getMessage()).contains(id);
  }
}
