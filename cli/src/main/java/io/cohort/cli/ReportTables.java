package io.cohort.cli;

import io.cohort.adminapi.EvaluationView;
import io.cohort.adminapi.JobDetail;
import io.cohort.adminapi.NodeEvaluationView;
import io.cohort.adminapi.RoundView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tables of {@code cohort job report}: each round's pooled metrics and each node's own, as CSV (for a
 * spreadsheet or pandas) and as the rows of the Markdown summary. An unknown metric is an empty cell.
 */
final class ReportTables {
  static final List<String> ROUND_COLUMNS = List.of("round", "contributors", "participants", "duration_ms",
      "eval_nodes", "examples", "loss", "accuracy", "roc_auc", "pr_auc", "f1", "best_f1", "best_threshold", "rmse",
      "mae", "r2");
  static final List<String> NODE_COLUMNS = List.of("round", "node_id", "released", "examples", "loss", "accuracy",
      "roc_auc", "pr_auc", "f1", "rmse", "mae", "r2");

  private ReportTables() {}

  static List<List<String>> roundRows(JobDetail d) {
    List<List<String>> rows = new ArrayList<>();
    for (RoundView r : JobCommand.listOf(d.rounds())) {
      EvaluationView e = r.evaluation();
      rows.add(List.of(String.valueOf(r.round()), String.valueOf(JobCommand.listOf(r.contributors()).size()),
          String.valueOf(JobCommand.listOf(r.participants()).size()), String.valueOf(r.durationMs()),
          e == null ? "" : String.valueOf(e.nodes()), e == null ? "" : String.valueOf(e.examples()),
          num(e == null ? null : e.loss()), num(e == null ? null : e.accuracy()), num(e == null ? null : e.rocAuc()),
          num(e == null ? null : e.prAuc()), num(e == null ? null : e.f1()), num(e == null ? null : e.bestF1()),
          num(e == null ? null : e.bestThreshold()), num(e == null ? null : e.rmse()), num(e == null ? null : e.mae()),
          num(e == null ? null : e.r2())));
    }
    return rows;
  }

  static List<List<String>> nodeRows(JobDetail d) {
    List<List<String>> rows = new ArrayList<>();
    for (RoundView r : JobCommand.listOf(d.rounds())) {
      for (NodeEvaluationView n : JobCommand.listOf(r.nodeEvaluations())) {
        rows.add(List.of(String.valueOf(r.round()), n.nodeId(), n.released(), String.valueOf(n.examples()),
            num(n.loss()), num(n.accuracy()), num(n.rocAuc()), num(n.prAuc()), num(n.f1()), num(n.rmse()),
            num(n.mae()), num(n.r2())));
      }
    }
    return rows;
  }

  static String csv(List<String> header, List<List<String>> rows) {
    StringBuilder s = new StringBuilder(String.join(",", header)).append('\n');
    for (List<String> row : rows) {
      s.append(String.join(",", row.stream().map(ReportTables::csvCell).toList())).append('\n');
    }
    return s.toString();
  }

  static String markdown(List<String> header, List<List<String>> rows) {
    StringBuilder s = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
    header.forEach(h -> s.append(" --- |"));
    s.append('\n');
    for (List<String> row : rows) {
      s.append("| ").append(String.join(" | ", row.stream().map(c -> c.isEmpty() ? "—" : c.replace("|", "\\|"))
          .toList())).append(" |\n");
    }
    return s.toString();
  }

  private static String csvCell(String c) {
    return c.contains(",") || c.contains("\"") || c.contains("\n") ? "\"" + c.replace("\"", "\"\"") + "\"" : c;
  }

  /** Four decimals, as the other commands print metrics; empty when unknown. */
  static String num(Double d) {
    return d == null || d.isNaN() ? "" : String.format(Locale.ROOT, "%.4f", d);
  }
}
