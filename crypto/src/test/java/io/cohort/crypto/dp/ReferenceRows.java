package io.cohort.crypto.dp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Reads the reference CSVs of {@code src/test/resources/dp} (see the README there for provenance). */
final class ReferenceRows {
  /** One row: accountant (or "grid"), a plan, delta, epsilon and the raw line for messages. */
  record Row(String accountant, PrivacyPlan plan, double delta, double epsilon, String line) {
    boolean isSingleSegment() {
      return plan.segments().size() == 1;
    }

    double q() {
      return plan.segments().get(0).samplingProbability();
    }
  }

  private ReferenceRows() {}

  static List<Row> sample() {
    return read("/dp/dp-reference-sample.csv", 0);
  }

  static List<Row> sample(String accountant) {
    return sample().stream().filter(r -> r.accountant().equals(accountant)).toList();
  }

  static List<Row> opacusGrid() {
    return read("/dp/opacus-rdp-grid.csv", -1);
  }

  /** accountantColumn: 0 when the first column names the accountant, -1 when there is none. */
  private static List<Row> read(String resource, int accountantColumn) {
    int off = accountantColumn == 0 ? 1 : 0;
    List<Row> rows = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        Objects.requireNonNull(ReferenceRows.class.getResourceAsStream(resource), resource), StandardCharsets.UTF_8))) {
      in.readLine();
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",");
        String[] qs = f[off].split("\\|");
        String[] ss = f[off + 1].split("\\|");
        String[] ns = f[off + 2].split("\\|");
        List<PlanSegment> segs = new ArrayList<>();
        for (int i = 0; i < qs.length; i++) {
          segs.add(PlanSegment.of(Double.parseDouble(qs[i]), Double.parseDouble(ss[i]), Long.parseLong(ns[i])));
        }
        rows.add(new Row(off == 1 ? f[0] : "grid", PrivacyPlan.of(segs), Double.parseDouble(f[off + 3]),
            Double.parseDouble(f[off + 4]), line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (DpParameterException e) {
      throw new IllegalStateException(e);
    }
    return rows;
  }
}
