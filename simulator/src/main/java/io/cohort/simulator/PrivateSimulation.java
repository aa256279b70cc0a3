package io.cohort.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cohort.adminapi.PrivacyEntry;
import io.cohort.adminapi.PrivacyReport;
import io.cohort.adminapi.PrivacySpend;
import io.cohort.cli.AdminClient;
import io.cohort.cli.CliException;
import io.cohort.cli.Urls;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.config.NodeConfigLoader;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacySpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The private parts of {@code cohort simulate}: each simulated node's budget, the job without its
 * privacy block for the comparison run, and the epsilon each node spent per round, as the
 * coordinator's {@code GET /api/v1/privacy} reports it: from the signed ledger entries the nodes
 * upload, each verified against the node's identity key when it arrived.
 */
final class PrivateSimulation {
  /** Budget the simulated nodes get when the job gives sigma rather than a target epsilon. */
  static final double DEFAULT_BUDGET = 8;
  private final PrintStream out;

  PrivateSimulation(PrintStream out) {
    this.out = out;
  }

  /** A simulated dataset's budget, declared in each node's configuration. */
  record Budget(double epsilon, double delta) {
    /** The node's budget for the dataset, accounted with the node's default accountant in its default ledger. */
    Optional<NodeConfig.Budget> forNode(String alias, String nodeId, Path identityKey) {
      return Optional.of(new NodeConfig.Budget(epsilon, delta, NodeConfigLoader.DEFAULT_ACCOUNTANT,
          NodeConfigLoader.defaultLedger(identityKey, nodeId, alias)));
    }
  }

  static Budget budget(JobSpec spec, Double override) {
    PrivacySpec p = spec.getPrivacy();
    double eps = override != null ? override : p.getTargetEpsilon() > 0 ? p.getTargetEpsilon() : DEFAULT_BUDGET;
    return new Budget(eps, p.getDelta() > 0 ? p.getDelta() : 1e-5);
  }

  static String describe(JobSpec spec) {
    PrivacySpec p = spec.getPrivacy();
    return p.getTargetEpsilon() > 0
        ? String.format(Locale.ROOT, "eps=%s delta=%s", p.getTargetEpsilon(), p.getDelta())
        : String.format(Locale.ROOT, "sigma=%s", p.getNoiseMultiplier());
  }

  /**
   * The job file without its {@code privacy:} block (comments are not kept); a {@code privacy.audit}
   * stays, as {@code privacy: {enabled: false, audit: ...}}, so the non-private run is audited too.
   */
  static String withoutPrivacy(String yaml) throws IOException {
    YAMLMapper m = new YAMLMapper();
    ObjectNode root = (ObjectNode) m.readTree(yaml);
    var audit = root.path("privacy").get("audit");
    root.remove("privacy");
    if (audit != null) {
      root.putObject("privacy").put("enabled", false).set("audit", audit);
    }
    if (root.hasNonNull("name")) {
      root.put("name", root.get("name").asText() + "-non-private");
    }
    return m.writeValueAsString(root);
  }

  /** The coordinator's privacy report for one dataset alias. */
  static PrivacyReport report(AdminClient admin, String alias) throws CliException {
    return admin.get("/api/v1/privacy?dataset=" + Urls.encode(alias), PrivacyReport.class);
  }

  /** One line with the cumulative epsilon each node's verified entries record after {@code round}. */
  static String spentAfter(AdminClient admin, List<String> nodes, String alias, int round) {
    StringBuilder line = new StringBuilder("epsilon spent so far (verified ledger entries):");
    PrivacyReport report;
    try {
      report = report(admin, alias);
    } catch (CliException e) {
      return line.append(" unavailable (").append(e.getMessage()).append(')').toString();
    }
    for (String node : nodes) {
      String spent = "-";
      for (PrivacyEntry e : entries(report, node)) {
        if (e.round() != null && e.round() <= round) {
          spent = String.format(Locale.ROOT, "%.3f", e.epsilonAfter());
        }
      }
      line.append(' ').append(node).append(' ').append(spent);
    }
    return line.toString();
  }

  /**
   * Prints each node's spend: whether the coordinator verified every entry against the node's
   * identity key, then the cumulative epsilon after each round, against the budget the node declared.
   */
  void printSpend(PrivacyReport report, List<String> nodes, Budget budget) {
    out.println();
    out.printf(Locale.ROOT, "privacy spent, from each node's signed ledger entries as the coordinator verified them"
        + " (delta %s, budget epsilon %s):%n", budget.delta(), budget.epsilon());
    for (String node : nodes) {
      List<PrivacyEntry> entries = entries(report, node);
      if (entries.isEmpty()) {
        out.println("  " + node + ": no ledger entries (it took part in no private round)");
        continue;
      }
      long unverified = entries.stream().filter(e -> !Boolean.TRUE.equals(e.signatureVerified())).count();
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s (%s):", node, unverified == 0
          ? "entries verified" : unverified + " ENTRIES WITHOUT A VERIFIED SIGNATURE"));
      double last = 0;
      for (PrivacyEntry e : entries) {
        line.append(String.format(Locale.ROOT, " r%d %.3f", e.round() == null ? 0 : e.round(), e.epsilonAfter()));
        last = e.epsilonAfter();
      }
      double declared = report.spend().stream().filter(s -> s.nodeId().equals(node))
          .map(PrivacySpend::budgetEpsilon).filter(b -> b != null).findFirst().orElse(budget.epsilon());
      line.append(String.format(Locale.ROOT, "  -> epsilon %.3f of %s%s", last, declared,
          last <= declared ? "" : "  OVER BUDGET"));
      out.println(line);
    }
  }

  private static List<PrivacyEntry> entries(PrivacyReport report, String node) {
    return report.entries() == null ? List.of()
        : report.entries().stream().filter(e -> e.nodeId().equals(node))
            .sorted(Comparator.comparingLong(PrivacyEntry::entrySeq)).toList();
  }
}
