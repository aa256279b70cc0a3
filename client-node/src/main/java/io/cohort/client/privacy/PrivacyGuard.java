package io.cohort.client.privacy;

import io.cohort.client.config.NodeConfig;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.keys.IdentityKeyPair;
import io.cohort.crypto.ledger.BudgetExceededException;
import io.cohort.crypto.ledger.LedgerAnchor;
import io.cohort.crypto.ledger.LedgerRollbackException;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.Spend;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.LedgerAck;
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
 *       dataset's ledger holds and everything reserved for other accepted jobs, would exceed the
 *       budget; the reason gives the numbers. Accepting reserves the job's projected spend
 *       ({@link Reservations}) until its rounds are recorded or the coordinator stops listing it
 *       as active ({@link #releaseEnded}).
 *   <li>A dataset whose ledger is behind its local anchor or the coordinator's acknowledged entry
 *       (rolled back) is refused for offers and rounds alike ({@link #checkAcknowledged}).
 *   <li>Each round is admitted only if its spend fits ({@link #admit}); its spend is recorded,
 *       durably and signed, before anything of the round leaves the node ({@link #record}).
 * </ul>
 *
 * <p>Ledgers are opened on first use and kept open (each holds an exclusive file lock) until
 * {@link #close}. Thread-safe.
 */
public final class PrivacyGuard implements AutoCloseable {
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(PrivacyGuard.class.getName());
  private final NodeConfig config;
  private final IdentityKeyPair identity;
  private final Map<String, PrivacyLedger> ledgers = new HashMap<>();
  private final Map<String, DpPlan> plans = new HashMap<>();
  /** Datasets whose ledger is behind the coordinator's acknowledgement, with why. */
  private final Map<String, String> rolledBack = new HashMap<>();
  private java.util.function.LongSupplier clock = System::currentTimeMillis;
  /** The terms of every job this node accepted (issue 21 #4); opened on first use. */
  private AcceptedTerms terms;

  /** The model size of a job (distributed DP's codec depends on it); set by the task loop. */
  private java.util.function.ToIntFunction<JobSpec> modelDimension = spec -> {
    throw new IllegalStateException("no model dimension source for distributed DP");
  };

  /**
   * A round allowed to train (or an evaluation allowed to be released): its plan (null for an evaluation) and the
   * spend to record before release.
   */
  public record Admission(String alias, DpPlan plan, Spend spend) {}

  public PrivacyGuard(NodeConfig config, IdentityKeyPair identity) {
    this.config = config;
    this.identity = identity;
  }

  /** Where distributed-DP plans take the job's model size from (the trainer's seeded initial model). */
  public synchronized void setModelDimension(java.util.function.ToIntFunction<JobSpec> dimension) {
    this.modelDimension = dimension;
  }

  /** Whether a job asks for DP-SGD. */
  public static boolean isPrivate(JobSpec spec) {
    return spec.hasPrivacy() && spec.getPrivacy().getEnabled();
  }

  /**
   * The reason to decline {@code spec}, or empty; {@code trainRows} is the local training set's
   * size. Judges against spent and reserved budget; reserves nothing (see {@link #acceptOffer}).
   */
  public synchronized Optional<String> checkOffer(JobSpec spec, long trainRows) {
    return offer(spec, trainRows, false);
  }

  /**
   * Like {@link #checkOffer}, and when the offer fits, durably reserves the job's projected spend
   * before returning (issue 22 #2): a second offer then sees it. Call before accepting.
   */
  public synchronized Optional<String> acceptOffer(JobSpec spec, long trainRows) {
    try {
      Optional<String> conflict = terms().conflict(spec);
      if (conflict.isPresent()) {
        return conflict;
      }
      Optional<String> decline = offer(spec, trainRows, true);
      if (decline.isEmpty()) {
        // Pinned before the answer leaves: every later task of the job must carry these terms.
        terms().pin(spec, isPrivate(spec) ? planText(plan(spec, trainRows)) : "-");
      }
      return decline;
    } catch (IOException | DpParameterException e) {
      LOG.warning("the accepted terms of job " + spec.getJobId() + " cannot be pinned: " + e.getMessage());
      return Optional.of("job terms: this node cannot record the terms it would accept (details in the node's log)");
    }
  }

  /**
   * Refuses a task of {@code jobId} whose spec (or stated terms hash) is not the one this node
   * accepted (issue 21 #4); see {@link AcceptedTerms#check}.
   */
  public synchronized void checkTerms(String jobId, JobSpec spec, String statedSha256)
      throws RoundRefusedException, IOException {
    terms().check(jobId, spec, statedSha256);
  }

  /** The terms pinned for {@code jobId}, if this node accepted it. */
  public synchronized Optional<AcceptedTerms.Pinned> acceptedTerms(String jobId) throws IOException {
    return terms().pinned(jobId);
  }

  private AcceptedTerms terms() throws IOException {
    if (terms == null) {
      terms = AcceptedTerms.open(AcceptedTerms.pathFor(config.identityKey(), config.nodeId()));
    }
    return terms;
  }

  private static String planText(DpPlan p) {
    return String.format(Locale.ROOT, "q:%s,sigma:%s,clip:%s,steps:%d,rounds:%d", p.samplingRate(),
        p.noiseMultiplier(), p.clipNorm(), p.stepsPerRound(), p.rounds());
  }

  private Optional<String> offer(JobSpec spec, long trainRows, boolean reserve) {
    try {
      Optional<NodeConfig.Budget> budget = policy(spec);
      if (budget.isEmpty()) {
        return Optional.empty();
      }
      Optional<String> publicValidation = publicValidationDecline(spec);
      if (publicValidation.isPresent()) {
        return publicValidation;
      }
      String alias = spec.getDatasetAlias();
      if (rolledBack.containsKey(alias)) {
        return Optional.of(rolledBackReason(alias));
      }
      PrivacyLedger ledger = ledger(alias, budget.get());
      checkLedgerFitsMode(spec, budget.get());
      DpPlan plan = plan(spec, trainRows);
      // Issue 19 #3 / 23 #2: the job's noised evaluations and feature statistics are charged too, so they count
      // in its projected spend.
      if (StatisticsPrivacy.charged(spec)) {
        StatisticsPrivacy.checkUnit(spec);
      }
      PrivacyPlan releases = DpPlanner.otherReleases(spec);
      PrivacyPlan wholeJob = releases == null ? plan.wholeJob() : plan.wholeJob().then(releases);
      List<Reservations.Reservation> rs = Reservations.read(ledger.file());
      List<PlanSegment> others = Reservations.unspent(rs, ledger.entries(), spec.getJobId());
      long otherJobs = rs.stream().filter(r -> !r.jobId().equals(spec.getJobId())).count();
      double spent = ledger.spentEpsilon();
      double withReserved = others.isEmpty() ? spent : ledger.projectedEpsilon(PrivacyPlan.of(others));
      double job = DpPlanner.accountant(budget.get().accountant()).epsilon(wholeJob, ledger.delta()).epsilon();
      double projected = ledger.projectedEpsilon(others.isEmpty() ? wholeJob
          : PrivacyPlan.of(others).then(wholeJob));
      if (projected > ledger.budgetEpsilon()) {
        return Optional.of(String.format(Locale.ROOT,
            "privacy budget: the job's projected spend (epsilon %.4f over %d rounds at sigma %.4f, q %.5f, %d steps"
                + " a round) would bring dataset '%s' to epsilon %.4f at delta %s, over its remaining budget of"
                + " %.4f (budget %.4f, already spent %.4f, reserved %.4f by %d other accepted jobs)",
            job, plan.rounds(), plan.noiseMultiplier(), plan.samplingRate(), plan.stepsPerRound(),
            alias, projected, ledger.delta(), Math.max(0, ledger.budgetEpsilon() - withReserved),
            ledger.budgetEpsilon(), spent, withReserved - spent, otherJobs));
      }
      if (reserve) {
        List<Reservations.Reservation> next = new ArrayList<>();
        for (Reservations.Reservation r : rs) {
          if (!r.jobId().equals(spec.getJobId())) {
            next.add(r);
          }
        }
        next.add(new Reservations.Reservation(spec.getJobId(), plan.samplingRate(), plan.noiseMultiplier(),
            plan.stepsPerRound(), plan.rounds(), clock.getAsLong()));
        Reservations.write(ledger.file(), next);
      }
      return Optional.empty();
    } catch (RoundRefusedException e) {
      return Optional.of(e.getMessage());
    } catch (LedgerRollbackException e) {
      LOG.severe(e.getMessage()); // the full detail, with the local path, stays on the node
      return Optional.of(rolledBackReason(spec.getDatasetAlias()));
    } catch (DpParameterException e) {
      return Optional.of("privacy: " + e.getMessage());
    } catch (IOException e) {
      // The message names the ledger file, a local path: it stays in the node's log (issue 22 #11).
      LOG.warning(
          "privacy ledger of dataset '" + spec.getDatasetAlias() + "' unavailable: " + e.getMessage());
      return Optional.of("privacy: the ledger of dataset '" + spec.getDatasetAlias()
          + "' cannot be read on this node (details in the node's log)");
    }
  }

  /**
   * Issue 19 #3: a DP job that declares its validation data public would send its evaluation statistics
   * unnoised; only a node whose node.yaml agrees takes it.
   */
  private Optional<String> publicValidationDecline(JobSpec spec) {
    if (isPrivate(spec) && spec.getPrivacy().getPublicValidation() && !config.allowPublicValidation()) {
      return Optional.of("privacy: job " + spec.getJobId() + " declares its validation data public"
          + " (privacy.public_validation: true), so its evaluation statistics would leave this node without noise;"
          + " this node has not agreed: set '" + NodeConfig.ALLOW_PUBLIC_VALIDATION_KEY + ": true' in its node.yaml"
          + " (privacy: {allow_public_validation: true}) to allow it");
    }
    return Optional.empty();
  }

  /**
   * Distributed rounds are recorded as dominating sampled-Gaussian steps, which bounds their spend
   * only under an RDP ledger ({@link DistributedDpPlanner}).
   */
  private static void checkLedgerFitsMode(JobSpec spec, NodeConfig.Budget b) throws RoundRefusedException {
    if (DistributedDpPlanner.distributed(spec) && !"rdp".equals(b.accountant())) {
      throw new RoundRefusedException("privacy: dataset '" + spec.getDatasetAlias() + "' keeps its ledger with"
          + " accountant '" + b.accountant() + "'; privacy.mode distributed needs 'accountant: rdp' for the dataset"
          + " in node.yaml");
    }
  }

  /** The dataset's ledger, refusing the round (and remembering why) when it was cut back. */
  private PrivacyLedger ledgerUnlessRolledBack(String alias, NodeConfig.Budget budget)
      throws RoundRefusedException, IOException {
    if (rolledBack.containsKey(alias)) {
      throw new RoundRefusedException(rolledBackReason(alias));
    }
    try {
      return ledger(alias, budget);
    } catch (LedgerRollbackException e) {
      LOG.severe(e.getMessage());
      throw new RoundRefusedException(rolledBackReason(alias));
    }
  }

  /** What travels to the coordinator about a rolled-back ledger: the dataset alias, no local path. */
  private static String rolledBackReason(String alias) {
    return "privacy: the ledger of dataset '" + alias + "' is behind its anchor or the coordinator's acknowledged"
        + " entry (rolled back); this node refuses to accept or train on it until its operator restores the ledger";
  }

  /**
   * Compares each dataset's ledger with the coordinator's newest acknowledged entry (sent at
   * registration, issue 22 #1): a file with fewer entries, or another entry at that position,
   * was rolled back, and the dataset is refused until a later registration finds it whole again.
   * Saves each acknowledgement beside the ledger for {@code cohort-node status}.
   *
   * @return one line per dataset found behind, for the node's log
   */
  public synchronized List<String> checkAcknowledged(List<LedgerAck> acks) {
    List<String> problems = new ArrayList<>();
    for (LedgerAck ack : acks) {
      String alias = ack.getDatasetAlias();
      Optional<NodeConfig.Budget> budget = config.dataset(alias).flatMap(NodeConfig.Dataset::budget);
      if (budget.isEmpty() || ack.getSeq() < 1) {
        continue;
      }
      LedgerAnchor acknowledged = new LedgerAnchor(ack.getSeq(), ack.getEntryHash());
      try {
        acknowledged.writeAck(budget.get().ledgerPath().toAbsolutePath());
        Optional<String> behind = acknowledged.behind(ledger(alias, budget.get()).entries());
        if (behind.isPresent()) {
          String why = "ledger of dataset '" + alias + "' " + behind.get().replace("its anchor",
              "the coordinator's acknowledgement") + "; refusing offers and rounds on it";
          rolledBack.put(alias, why);
          problems.add(why);
        } else {
          rolledBack.remove(alias);
        }
      } catch (IOException e) {
        String why = "ledger of dataset '" + alias + "' cannot be checked against the coordinator's acknowledged"
            + " entry " + ack.getSeq() + ": " + e.getMessage();
        problems.add(why);
      }
    }
    return problems;
  }

  /**
   * Releases the reservations of jobs the coordinator no longer lists as active (ended, failed or
   * cancelled), except those made at or after {@code listedBeforeMs}: a list assembled before a
   * reservation existed cannot speak for it.
   *
   * @return the job ids released
   */
  public synchronized List<String> releaseEnded(java.util.Collection<String> activeJobIds, long listedBeforeMs)
      throws IOException {
    List<String> released = new ArrayList<>();
    for (NodeConfig.Dataset d : config.datasets()) {
      if (d.budget().isEmpty()) {
        continue;
      }
      java.nio.file.Path file = d.budget().get().ledgerPath().toAbsolutePath();
      List<Reservations.Reservation> rs = Reservations.read(file);
      List<Reservations.Reservation> keep = new ArrayList<>();
      for (Reservations.Reservation r : rs) {
        if (activeJobIds.contains(r.jobId()) || r.reservedAtMs() >= listedBeforeMs) {
          keep.add(r);
        } else {
          released.add(r.jobId());
        }
      }
      if (keep.size() != rs.size()) {
        Reservations.write(file, keep);
      }
    }
    return released;
  }

  /** Test hook: the clock reservations are stamped with. */
  void setClock(java.util.function.LongSupplier clock) {
    this.clock = clock;
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
    String alias = spec.getDatasetAlias();
    PrivacyLedger ledger = ledgerUnlessRolledBack(alias, budget.get());
    Optional<AcceptedTerms.Pinned> pin = terms().pinned(spec.getJobId());
    if (pin.isPresent()) {
      terms().check(spec.getJobId(), spec, "");
    }
    try {
      checkLedgerFitsMode(spec, budget.get());
      DpPlan plan = plan(spec, trainRows);
      // The entry names the terms the round is spent under (issue 21 #4).
      Spend spend = plan.round(spec.getJobId(), round).withJobTerms(io.cohort.wire.JobTerms.sha256Hex(spec))
          .withUnit(PrivacyUnits.of(spec));
      // Budget reserved for other accepted jobs is theirs: this round may not use it.
      List<PlanSegment> others = Reservations.unspent(Reservations.read(ledger.file()), ledger.entries(),
          spec.getJobId());
      List<PlanSegment> segments = new ArrayList<>(others);
      segments.add(spend.segment());
      double projected = ledger.projectedEpsilon(PrivacyPlan.of(segments));
      if (projected > ledger.budgetEpsilon()) {
        double spent = ledger.spentEpsilon();
        double reserved = others.isEmpty() ? 0 : ledger.projectedEpsilon(PrivacyPlan.of(others)) - spent;
        throw new RoundRefusedException(String.format(Locale.ROOT,
            "privacy budget: round %d of job %s would bring dataset '%s' to epsilon %.4f at delta %s, over its budget"
                + " of %.4f (already spent %.4f, reserved %.4f for other jobs); this node refuses the round", round,
            spec.getJobId(), alias, projected, ledger.delta(), ledger.budgetEpsilon(), spent, reserved));
      }
      return Optional.of(new Admission(spec.getDatasetAlias(), plan, spend));
    } catch (DpParameterException e) {
      throw new RoundRefusedException("privacy: " + e.getMessage());
    }
  }

  /**
   * Issue 19 #3: admits the noised evaluation of {@code round}'s model, or refuses it; empty when the job's
   * evaluation is not charged (no DP, or public validation data on a node that agreed).
   *
   * @throws RoundRefusedException when the charge would take the dataset past its budget, or the job's
   *     public validation data is not allowed here
   */
  public synchronized Optional<Admission> admitEvaluation(JobSpec spec, int round)
      throws RoundRefusedException, IOException {
    Optional<NodeConfig.Budget> budget = policy(spec);
    if (budget.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> publicValidation = publicValidationDecline(spec);
    if (publicValidation.isPresent()) {
      throw new RoundRefusedException(publicValidation.get());
    }
    if (!EvaluationPrivacy.noised(spec)) {
      return Optional.empty();
    }
    String alias = spec.getDatasetAlias();
    PrivacyLedger ledger = ledgerUnlessRolledBack(alias, budget.get());
    try {
      Spend spend = EvaluationPrivacy.spend(spec, round).withJobTerms(io.cohort.wire.JobTerms.sha256Hex(spec));
      double projected = ledger.projectedEpsilon(PrivacyPlan.of(List.of(spend.segment())));
      if (projected > ledger.budgetEpsilon()) {
        throw new RoundRefusedException(String.format(Locale.ROOT,
            "privacy budget: evaluating round %d of job %s would bring dataset '%s' to epsilon %.4f at delta %s, over"
                + " its budget of %.4f; this node sends no evaluation", round, spec.getJobId(), alias, projected,
            ledger.delta(), ledger.budgetEpsilon()));
      }
      return Optional.of(new Admission(alias, null, spend));
    } catch (DpParameterException e) {
      throw new RoundRefusedException("privacy: " + e.getMessage());
    }
  }

  /**
   * Issue 23 #2: admits the release of the job's noised feature statistics (before round 1), or refuses it;
   * empty when the job's statistics are not charged (no DP, or no federated standardisation).
   *
   * @throws RoundRefusedException when the charge would take the dataset past its budget (counting the
   *     budget reserved for other accepted jobs), or the job's privacy unit is per person
   */
  public synchronized Optional<Admission> admitStatistics(JobSpec spec) throws RoundRefusedException, IOException {
    Optional<NodeConfig.Budget> budget = policy(spec);
    if (budget.isEmpty() || !StatisticsPrivacy.charged(spec)) {
      return Optional.empty();
    }
    StatisticsPrivacy.checkUnit(spec);
    String alias = spec.getDatasetAlias();
    PrivacyLedger ledger = ledgerUnlessRolledBack(alias, budget.get());
    try {
      Spend spend = StatisticsPrivacy.spend(spec).withJobTerms(io.cohort.wire.JobTerms.sha256Hex(spec));
      List<PlanSegment> segments = new ArrayList<>(Reservations.unspent(Reservations.read(ledger.file()),
          ledger.entries(), spec.getJobId()));
      segments.add(spend.segment());
      double projected = ledger.projectedEpsilon(PrivacyPlan.of(segments));
      if (projected > ledger.budgetEpsilon()) {
        throw new RoundRefusedException(String.format(Locale.ROOT,
            "privacy budget: the feature statistics of job %s would bring dataset '%s' to epsilon %.4f at delta %s"
                + " (with the budget reserved for other jobs), over its budget of %.4f; this node sends no statistics",
            spec.getJobId(), alias, projected, ledger.delta(), ledger.budgetEpsilon()));
      }
      return Optional.of(new Admission(alias, null, spend));
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
      VerifiedLedgerEntry e = ledger.record(a.spend());
      releaseIfSpent(ledger, e.spend().jobId());
      return e;
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

  /** Epsilon reserved and not yet spent on one dataset, and by how many accepted jobs. */
  public record Reserved(String alias, double epsilon, int jobs) {}

  /**
   * What each budgeted dataset has reserved for accepted jobs beyond what its ledger already records
   * (the number {@code privacy budget} shows), for the coordinator's display; a dataset whose ledger
   * cannot be read or was rolled back is left out (the node refuses work on it anyway).
   */
  public synchronized List<Reserved> reservedByDataset() {
    List<Reserved> out = new ArrayList<>();
    for (NodeConfig.Dataset d : config.datasets()) {
      if (d.budget().isEmpty() || rolledBack.containsKey(d.alias())) {
        continue;
      }
      try {
        PrivacyLedger ledger = ledger(d.alias(), d.budget().get());
        List<Reservations.Reservation> rs = Reservations.read(ledger.file());
        List<PlanSegment> unspent = Reservations.unspent(rs, ledger.entries(), null);
        double reserved = unspent.isEmpty() ? 0
            : ledger.projectedEpsilon(PrivacyPlan.of(unspent)) - ledger.spentEpsilon();
        out.add(new Reserved(d.alias(), Math.max(0, reserved), rs.size()));
      } catch (IOException | DpParameterException | RuntimeException e) {
        LOG.fine(() -> "dataset '" + d.alias() + "': reserved budget not reported: " + e.getMessage());
      }
    }
    return out;
  }

  /** Epsilon spent so far on {@code alias}, at its ledger's delta. */
  public synchronized double spentEpsilon(String alias) throws IOException, DpParameterException {
    NodeConfig.Budget b = config.dataset(alias).flatMap(NodeConfig.Dataset::budget)
        .orElseThrow(() -> new IllegalArgumentException("dataset '" + alias + "' has no privacy budget"));
    return ledger(alias, b).spentEpsilon();
  }

  /** Drops {@code jobId}'s reservation once every round it reserved is in the ledger. */
  private static void releaseIfSpent(PrivacyLedger ledger, String jobId) throws IOException, DpParameterException {
    List<Reservations.Reservation> rs = Reservations.read(ledger.file());
    List<Reservations.Reservation> keep = new ArrayList<>();
    for (Reservations.Reservation r : rs) {
      if (!r.jobId().equals(jobId) || !r.unspent(ledger.entries()).isEmpty()) {
        keep.add(r);
      }
    }
    if (keep.size() != rs.size()) {
      Reservations.write(ledger.file(), keep);
    }
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
      p = DistributedDpPlanner.distributed(spec) ? DistributedDpPlanner.plan(spec, dimension(spec))
          : DpPlanner.plan(spec, trainRows);
      plans.put(key, p);
    }
    return p;
  }

  private int dimension(JobSpec spec) throws DpParameterException {
    try {
      return modelDimension.applyAsInt(spec);
    } catch (RuntimeException e) {
      throw new DpParameterException("model", "the job's model size is unknown on this node: " + e.getMessage());
    }
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
