package io.cohort.client.privacy;

import io.cohort.client.config.NodeConfig;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.BudgetExceededException;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Spend;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LedgerEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The node's privacy policy. It alone decides: the budget lives in node.yaml and the ledger on
 * this node, and nothing the coordinator sends can change either.
 *
 * <ul>
 *   <li>A dataset with a budget takes part only in differentially private jobs; one without a
 *       budget only in non-private ones.
 *   <li>An offer is declined when the job's whole projected spend, composed with everything the
 *       dataset's ledger holds, would exceed the budget; the reason gives both numbers.
 *   <li>Each round is admitted only if its spend fits ({@link #admit}); its spend is recorded,
 *       durably and signed, before anything of the round leaves the node ({@link #record}).
 * </ul>
 *
 * <p>Ledgers are opened on first use and kept open (each holds an exclusive file lock) until
 * {@link #close}. Thread-safe.
 */
public final class PrivacyGuard implements AutoCloseable {
  private final NodeConfig config;
  private final IdentityKeyPair identity;
  private final Map<String, PrivacyLedger> ledgers = new HashMap<>();
  private final Map<String, DpPlan> plans = new HashMap<>();

  /** A round allowed to train: its plan and the spend to record before release. */
  public record Admission(String alias, DpPlan plan, Spend spend) {}

  public PrivacyGuard(NodeConfig config, IdentityKeyPair identity) {
    this.config = config;
    this.identity = identity;
  }

  /** Whether a job asks for DP-SGD. */
  public static boolean isPrivate(JobSpec spec) {
    return spec.hasPrivacy() && spec.getPrivacy().getEnabled();
  }

  /** The reason to decline {@code spec}, or empty; {@code trainRows} is the local training set's size. */
  public synchronized Optional<String> checkOffer(JobSpec spec, long trainRows) {
    try {
      Optional<NodeConfig.Budget> budget = policy(spec);
      if (budget.isEmpty()) {
        return Optional.empty();
      }
      PrivacyLedger ledger = ledger(spec.getDatasetAlias(), budget.get());
      DpPlan plan = plan(spec, trainRows);
      double spent = ledger.spentEpsilon();
      double job = DpPlanner.accountant(budget.get().accountant()).epsilon(plan.wholeJob(), ledger.delta()).epsilon();
      double projected = ledger.projectedEpsilon(plan.wholeJob());
      if (projected > ledger.budgetEpsilon()) {
        return Optional.of(String.format(Locale.ROOT,
            "privacy budget: the job's projected spend (epsilon %.4f over %d rounds at sigma %.4f, q %.5f, %d steps"
                + " a round) would bring dataset '%s' to epsilon %.4f at delta %s, over its remaining budget of"
                + " %.4f (budget %.4f, already spent %.4f)",
            job, plan.rounds(), plan.noiseMultiplier(), plan.samplingRate(), plan.stepsPerRound(),
            spec.getDatasetAlias(), projected, ledger.delta(), Math.max(0, ledger.budgetEpsilon() - spent),
            ledger.budgetEpsilon(), spent));
      }
      return Optional.empty();
    } catch (RoundRefusedException e) {
      return Optional.of(e.getMessage());
    } catch (DpParameterException e) {
      return Optional.of("privacy: " + e.getMessage());
    } catch (IOException e) {
      // The message names the ledger file, a local path: it stays in the node's log (issue 22 #11).
      java.util.logging.Logger.getLogger(PrivacyGuard.class.getName()).warning(
          "privacy ledger of dataset '" + spec.getDatasetAlias() + "' unavailable: " + e.getMessage());
      return Optional.of("privacy: the ledger of dataset '" + spec.getDatasetAlias()
          + "' cannot be read on this node (details in the node's log)");
    }
  }

  /**
   * Admits round {@code round} of {@code spec}, or refuses it. A non-private job needs no
   * admission on a dataset without a budget (returns empty).
   *
   * @throws RoundRefusedException when the round would take the dataset past its budget (with the
   *     numbers), or the job's privacy does not fit the dataset's policy
   */
  public synchronized Optional<Admission> admit(JobSpec spec, int round, long trainRows)
      throws RoundRefusedException, IOException {
    Optional<NodeConfig.Budget> budget = policy(spec);
    if (budget.isEmpty()) {
      return Optional.empty();
    }
    PrivacyLedger ledger = ledger(spec.getDatasetAlias(), budget.get());
    try {
      DpPlan plan = plan(spec, trainRows);
      Spend spend = plan.round(spec.getJobId(), round);
      double projected = ledger.projectedEpsilon(PrivacyPlan.of(List.of(spend.segment())));
      if (projected > ledger.budgetEpsilon()) {
        throw new RoundRefusedException(String.format(Locale.ROOT,
            "privacy budget: round %d of job %s would bring dataset '%s' to epsilon %.4f at delta %s, over its budget"
                + " of %.4f (already spent %.4f); this node refuses the round", round, spec.getJobId(),
            spec.getDatasetAlias(), projected, ledger.delta(), ledger.budgetEpsilon(), ledger.spentEpsilon()));
      }
      return Optional.of(new Admission(spec.getDatasetAlias(), plan, spend));
    } catch (DpParameterException e) {
      throw new RoundRefusedException("privacy: " + e.getMessage());
    }
  }

  /**
   * Durably records an admitted round's spend (written and fsynced on return). Only after this
   * returns may anything of the round leave the node.
   */
  public synchronized VerifiedLedgerEntry record(Admission a) throws RoundRefusedException, IOException {
    PrivacyLedger ledger = ledgers.get(a.alias());
    try {
      return ledger.record(a.spend());
    } catch (BudgetExceededException e) {
      throw new RoundRefusedException("privacy budget: " + e.getMessage() + "; this node refuses the round");
    } catch (DpParameterException e) {
      throw new RoundRefusedException("privacy: " + e.getMessage());
    }
  }

  /** Every entry of {@code jobId} in the ledger of {@code alias}, in wire form; empty without a budget. */
  public synchronized List<LedgerEntry> entries(String alias, String jobId) throws IOException {
    Optional<NodeConfig.Budget> budget = config.dataset(alias).flatMap(NodeConfig.Dataset::budget);
    if (budget.isEmpty()) {
      return List.of();
    }
    PrivacyLedger ledger = ledger(alias, budget.get());
    List<LedgerEntry> out = new ArrayList<>();
    for (VerifiedLedgerEntry e : ledger.entries()) {
      if (e.spend().jobId().equals(jobId)) {
        out.add(LedgerProtos.toProto(config.nodeId(), alias, ledger, e));
      }
    }
    return out;
  }

  /** Every entry of every budgeted dataset, grouped by job: what a restarted node reports again. */
  public synchronized Map<String, List<LedgerEntry>> allEntriesByJob() throws IOException {
    Map<String, List<LedgerEntry>> byJob = new LinkedHashMap<>();
    for (NodeConfig.Dataset d : config.datasets()) {
      if (d.budget().isEmpty()) {
        continue;
      }
      PrivacyLedger ledger = ledger(d.alias(), d.budget().get());
      for (VerifiedLedgerEntry e : ledger.entries()) {
        byJob.computeIfAbsent(e.spend().jobId(), k -> new ArrayList<>())
            .add(LedgerProtos.toProto(config.nodeId(), d.alias(), ledger, e));
      }
    }
    return byJob;
  }

  /** Epsilon spent so far on {@code alias}, at its ledger's delta. */
  public synchronized double spentEpsilon(String alias) throws IOException, DpParameterException {
    NodeConfig.Budget b = config.dataset(alias).flatMap(NodeConfig.Dataset::budget)
        .orElseThrow(() -> new IllegalArgumentException("dataset '" + alias + "' has no privacy budget"));
    return ledger(alias, b).spentEpsilon();
  }

  /** The dataset's budget when the job is private and the dataset has one; refuses the mismatches. */
  private Optional<NodeConfig.Budget> policy(JobSpec spec) throws RoundRefusedException {
    String alias = spec.getDatasetAlias();
    Optional<NodeConfig.Budget> budget = config.dataset(alias).flatMap(NodeConfig.Dataset::budget);
    boolean dp = isPrivate(spec);
    if (budget.isPresent() && !dp) {
      throw new RoundRefusedException("privacy: dataset '" + alias + "' has a privacy budget (epsilon "
          + budget.get().epsilonBudget() + ") and takes part only in differentially private jobs; job "
          + spec.getJobId() + " has no privacy block, so its spend would be unbounded");
    }
    if (budget.isEmpty() && dp) {
      throw new RoundRefusedException("privacy: dataset '" + alias + "' has no privacy budget in this node's"
          + " configuration (epsilon_budget and delta), so it cannot account for private job " + spec.getJobId());
    }
    return budget;
  }

  private DpPlan plan(JobSpec spec, long trainRows) throws DpParameterException {
    String key = spec.getJobId() + "|" + trainRows + "|" + spec.getRounds() + "|" + spec.getPrivacy();
    DpPlan p = plans.get(key);
    if (p == null) {
      p = DpPlanner.plan(spec, trainRows);
      plans.put(key, p);
    }
    return p;
  }

  private PrivacyLedger ledger(String alias, NodeConfig.Budget b) throws IOException {
    PrivacyLedger l = ledgers.get(alias);
    if (l == null) {
      try {
        l = PrivacyLedger.open(b.ledgerPath(), alias, identity, DpPlanner.accountant(b.accountant()),
            b.epsilonBudget(), b.delta());
      } catch (DpParameterException e) {
        throw new IOException("dataset '" + alias + "': " + e.getMessage(), e);
      }
      ledgers.put(alias, l);
    }
    return l;
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    for (PrivacyLedger l : ledgers.values()) {
      try {
        l.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    ledgers.clear();
    if (first != null) {
      throw first;
    }
  }
}
