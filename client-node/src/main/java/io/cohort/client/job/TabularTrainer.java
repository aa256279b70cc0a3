package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.client.privacy.EvaluationPrivacy;
import io.cohort.client.privacy.PrivacyUnits;
import io.cohort.client.tabular.CsvDataset;
import io.cohort.client.tabular.DatasetException;
import io.cohort.client.tabular.DatasetSplit;
import io.cohort.client.tabular.EncodedData;
import io.cohort.client.tabular.FeatureEncoder;
import io.cohort.client.tabular.FeatureStatistics;
import io.cohort.client.tabular.Standardize;
import io.cohort.client.tabular.JobAudit;
import io.cohort.client.tabular.NetworkTraining;
import io.cohort.client.tabular.TabularDpSgd;
import io.cohort.client.tabular.TabularNetwork;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.client.tabular.TrainResult;
import io.cohort.client.tabular.TrainingParams;
import io.cohort.client.tabular.UnitGroups;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.proto.v1.AuditSummary;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.FederationStatistics;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.PrivacyAudit;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.TensorBundle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * Tabular classification on a local CSV file: the schema comes with the job, the fill values of
 * missing cells and the scaling statistics are fitted here on local training rows only, and the job's
 * DL4J network ({@link JobNetworks}) trains through DL4J's forward and backward passes.
 */
public final class TabularTrainer implements LocalTrainer {
  private final NodeConfig config;
  private static final Logger LOG = Logger.getLogger(TabularTrainer.class.getName());
  private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
  /** DP noise: keyed from SecureRandom, never from the job's seed. */
  private final GaussianNoise noise = GaussianNoise.create();
  /** Each audited job's canaries and secret coins, for the job's life on this node (memory only). */
  private final Map<String, JobAudit> audits = new ConcurrentHashMap<>();
  /** Each audited job's latest summary, sent with the node's next evaluation of the job. */
  private final Map<String, AuditSummary> auditSummaries = new ConcurrentHashMap<>();

  /**
   * A job's local data, encoded once (and again when the federation's statistics arrive).
   *
   * @param rows the parsed rows the encodings came from
   * @param federation the federation's statistics the encodings use; null while they use the node's own rows
   * @param units the training rows grouped by privacy unit (issue 19 #2); null for record-level privacy
   */
  record Prepared(EncodedData train, EncodedData validation, TabularSchema schema, TabularNetwork network,
      Rows rows, FederationStatistics federation, UnitGroups units) {}

  /** The parsed training and validation rows of a job. */
  record Rows(CsvDataset train, List<Integer> trainRows, CsvDataset validation, List<Integer> validationRows) {}

  public TabularTrainer(NodeConfig config) {
    this.config = config;
  }

  @Override
  public Optional<Decline> check(JobSpec spec) {
    return LocalTrainer.reasonToDecline(() -> prepare(spec));
  }

  Prepared prepare(JobSpec spec) throws LocalDataException {
    Prepared p = prepared.get(spec.getJobId());
    if (p != null) {
      return p;
    }
    if (spec.getTask() != TaskType.TASK_TYPE_TABULAR_CLASSIFICATION) {
      throw new LocalDataException("this node supports tabular classification only, not " + spec.getTask());
    }
    NodeConfig.Dataset ds = JobDatasets.require(config, spec, "csv", "tabular jobs");
    TabularSchema schema;
    try {
      schema = Schemas.fromSpec(spec.getTabular());
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the job's tabular schema is invalid: " + e.getMessage());
    }
    TabularNetwork network;
    try {
      network = JobNetworks.forJob(spec, schema);
    } catch (IllegalArgumentException e) {
      throw new LocalDataException(e.getMessage());
    }
    String unit = PrivacyUnits.perPerson(spec) ? PrivacyUnits.of(spec) : null;
    if (unit != null && schemaColumns(schema).contains(unit)) {
      throw new LocalDataException("privacy.unit '" + unit + "' is a column of the job's schema; the unit column"
          + " names the person and is never a feature or the label");
    }
    p = ds.validationPath().isPresent()
        ? prepareWithValidationFile(ds.alias(), ds.path(), ds.validationPath().get(), schema, spec, network, unit)
        : prepareWithSplit(ds.alias(), ds.path(), schema, spec, network, unit);
    if (unit != null && spec.getTabular().hasClassWeight()) {
      // A unit's rows may hold several classes: per-row weights inside a unit's clipped sum are not built.
      throw new LocalDataException("class_weight with privacy.unit '" + unit + "' is not supported yet; remove"
          + " tabular.class_weight or use privacy.unit: record");
    }
    if (spec.getPrivacy().getEnabled() && spec.getTabular().getClassWeight().getBalanced()) {
      // Balanced weights come from this node's class counts, which DP-SGD's noise does not cover.
      throw new LocalDataException("class_weight balanced is computed from this node's class counts, which"
          + " differential privacy does not protect; a private job needs explicit weights such as {bad: 3}");
    }
    if (spec.getPrivacy().hasAudit()) {
      int parameters = network.parameterCount();
      int m = spec.getPrivacy().getAudit().getCanaries();
      if (m > parameters) {
        throw new LocalDataException("privacy.audit.canaries is " + m + "; this job's model has " + parameters
            + " trainable parameters, so at most " + parameters + " canaries (one per parameter)");
      }
    }
    prepared.put(spec.getJobId(), p);
    return p;
  }

  private static List<String> schemaColumns(TabularSchema schema) {
    List<String> columns = new java.util.ArrayList<>(schema.numericColumns());
    schema.categoricalColumns().forEach(c -> columns.add(c.name()));
    columns.add(schema.labelColumn());
    return columns;
  }

  /**
   * @param unit the privacy unit column (issue 19 #2), or null: with one, the validation split holds out whole
   *     units, training rows are grouped by unit, and noised evaluation counts one row per unit
   */
  private static Prepared prepareWithSplit(String alias, Path file, TabularSchema schema, JobSpec spec,
      TabularNetwork network, String unit) throws LocalDataException {
    CsvDataset data = load("dataset '" + alias + "'", file, schema, unit);
    double fraction = spec.getTraining().getValidationFraction();
    DatasetSplit.Split split = unit == null ? DatasetSplit.stratified(data, fraction, Seeds.split(spec.getSeed()))
        : DatasetSplit.byUnit(data, fraction, Seeds.split(spec.getSeed()));
    if (split.train().isEmpty()) {
      String problem = ": no training rows left after holding out the validation split";
      throw new LocalDataException(file + problem, "dataset '" + alias + "'" + problem);
    }
    FeatureEncoder enc = FeatureEncoder.fit(data, split.train(), schema, Schemas.standardize(spec.getTabular()));
    List<Integer> validationRows = unit == null ? split.validation() : evaluated(spec, data, split.validation());
    return new Prepared(enc.encode(data, split.train()), enc.encode(data, validationRows), schema, network,
        new Rows(data, split.train(), data, validationRows), null, unit == null ? null : groups(data, split.train()));
  }

  private static Prepared prepareWithValidationFile(String alias, Path trainFile, Path validationFile,
      TabularSchema schema, JobSpec spec, TabularNetwork network, String unit) throws LocalDataException {
    CsvDataset train = load("dataset '" + alias + "'", trainFile, schema, unit);
    CsvDataset validation = load("dataset '" + alias + "' (validation file)", validationFile, schema, unit);
    if (train.size() == 0) {
      throw new LocalDataException(trainFile + ": has no data rows", "dataset '" + alias + "': has no data rows");
    }
    FeatureEncoder enc = FeatureEncoder.fit(train, all(train), schema, Schemas.standardize(spec.getTabular()));
    List<Integer> validationRows = unit == null ? all(validation) : evaluated(spec, validation, all(validation));
    return new Prepared(enc.encode(train, all(train)), enc.encode(validation, validationRows), schema, network,
        new Rows(train, all(train), validation, validationRows), null, unit == null ? null : groups(train, all(train)));
  }

  /** The training rows' units, as groups of positions in {@code rows}. */
  private static UnitGroups groups(CsvDataset data, List<Integer> rows) {
    int[] unitOfRow = new int[rows.size()];
    for (int i = 0; i < unitOfRow.length; i++) {
      unitOfRow[i] = data.unit(rows.get(i));
    }
    return UnitGroups.of(unitOfRow);
  }

  /**
   * The validation rows evaluated under privacy units: under noised evaluation (issue 19 #3) one row per unit, its
   * first, so that one person moves each released count by at most 1; all of them otherwise.
   */
  private static List<Integer> evaluated(JobSpec spec, CsvDataset data, List<Integer> rows) {
    if (!EvaluationPrivacy.noised(spec)) {
      return rows;
    }
    int[] unitOfRow = new int[rows.size()];
    for (int i = 0; i < unitOfRow.length; i++) {
      unitOfRow[i] = data.unit(rows.get(i));
    }
    return UnitGroups.of(unitOfRow).firstRows().stream().map(rows::get).toList();
  }

  static List<Integer> all(CsvDataset d) {
    return IntStream.range(0, d.size()).boxed().toList();
  }

  /** Loads a CSV file; errors name {@code dataset} (the alias), not the file, in their public rendering. */
  private static CsvDataset load(String dataset, Path file, TabularSchema schema, String unit)
      throws LocalDataException {
    try {
      return CsvDataset.load(file, schema, unit);
    } catch (DatasetException e) {
      throw new LocalDataException(e.getMessage(), e.publicMessage(dataset));
    }
  }

  @Override
  public FederationStatistics featureStatistics(JobSpec spec) throws LocalDataException {
    Rows r = prepare(spec).rows();
    if (!io.cohort.client.privacy.PrivacyGuard.isPrivate(spec)) {
      return StatisticsProtos.toProto(FeatureStatistics.of(r.train(), r.trainRows()));
    }
    // Under DP each value is clamped to its column's public range, which bounds one row's share of the sums.
    io.cohort.proto.v1.NumericRange[] ranges;
    try {
      ranges = io.cohort.wire.NoisedStatistics.ranges(spec.getTabular());
    } catch (IllegalArgumentException e) {
      throw new LocalDataException(e.getMessage());
    }
    double[] min = new double[ranges.length];
    double[] max = new double[ranges.length];
    for (int j = 0; j < ranges.length; j++) {
      min[j] = ranges[j].getMin();
      max[j] = ranges[j].getMax();
    }
    return StatisticsProtos.toProto(FeatureStatistics.of(r.train(), r.trainRows(), min, max));
  }

  @Override
  public void useFederationStatistics(JobSpec spec, FederationStatistics statistics) throws LocalDataException {
    Prepared p = prepare(spec);
    if (statistics.equals(p.federation())) {
      return;
    }
    FeatureEncoder enc;
    try {
      enc = FeatureEncoder.fromStatistics(p.schema(), StatisticsProtos.fromProto(spec.getTabular(), statistics),
          Schemas.standardize(spec.getTabular()));
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the federation's feature statistics cannot be used: " + e.getMessage());
    }
    Rows r = p.rows();
    prepared.put(spec.getJobId(), new Prepared(enc.encode(r.train(), r.trainRows()),
        enc.encode(r.validation(), r.validationRows()), p.schema(), p.network(), r, statistics, p.units()));
    LOG.info(() -> "job " + spec.getJobId() + ": imputing and scaling with the feature statistics of "
        + statistics.getNodes() + " nodes");
  }

  /**
   * The job's prepared data for training or evaluation: with standardize federated, only once the
   * federation's statistics are in use (the node's own would make its inputs differ from its peers').
   */
  private Prepared prepareEncoded(JobSpec spec) throws LocalDataException {
    Prepared p = prepare(spec);
    if (Schemas.standardize(spec.getTabular()) == Standardize.FEDERATED && p.federation() == null) {
      throw new LocalDataException("job " + spec.getJobId() + " scales with the federation's feature statistics,"
          + " but the task carries none");
    }
    return p;
  }

  @Override
  public Outcome train(JobSpec spec, int round, Optional<TensorBundle> global) throws LocalDataException {
    Prepared p = prepareEncoded(spec);
    TensorBundle start = start(spec, p, global);
    var t = spec.getTraining();
    JobAudit audit = audit(spec, p, 1.0 / t.getBatchSize());
    TrainResult r = NetworkTraining.train(p.network(), start, p.train(),
        new TrainingParams(t.getLocalEpochs(), t.getBatchSize(), t.getLearningRate(),
            Schemas.classWeights(spec.getTabular(), p.train().labels())),
        Seeds.training(spec.getSeed(), config.nodeId(), round), audit, round);
    double auditDelta = spec.getPrivacy().getAudit().getDelta();
    if (audit != null) {
      // Job files default it to 1e-5; a spec without one gets the same default rather than an invalid bound.
      auditSummaries.put(spec.getJobId(), audit.summary(auditDelta > 0 && auditDelta < 1 ? auditDelta : 1e-5,
          Double.NaN));
    }
    return new Outcome(r.weights(), r.examples(), Map.of("train_loss", r.meanTrainLoss()));
  }

  @Override
  public Outcome trainPrivately(JobSpec spec, int round, Optional<TensorBundle> global, DpPlan plan)
      throws LocalDataException {
    Prepared p = prepareEncoded(spec);
    TensorBundle start = start(spec, p, global);
    double lr = spec.getPrivacy().getLearningRate() > 0 ? spec.getPrivacy().getLearningRate()
        : spec.getTraining().getLearningRate();
    JobAudit audit = audit(spec, p, plan.clipNorm());
    PoissonSampler sampler = PoissonSampler.secure();
    TrainResult r = TabularDpSgd.train(p.network(), start, p.train(), p.units(), plan.trainingParams(lr), sampler,
        noise, audit, round, Schemas.classWeights(spec.getTabular(), p.train().labels()));
    if (audit != null) {
      double delta = spec.getPrivacy().getDelta();
      if (delta > 0 && delta < 1) { // job files require it with an audit; a spec without one gets no bound
        auditSummaries.put(spec.getJobId(), audit.summary(delta, accounted(spec, plan, audit.steps(), delta)));
      } else {
        LOG.warning("job " + spec.getJobId() + " asks for a privacy audit but states no delta; no bound is reported");
      }
    }
    LOG.fine(() -> String.format("job %s round %d: DP-SGD mean train loss %.4f (stays on this node)",
        spec.getJobId(), round, r.meanTrainLoss()));
    // No train_loss metric: it is computed from the records without noise, so it must not leave.
    return new Outcome(r.weights(), r.examples(), Map.of());
  }

  /**
   * The job's audit on this node, created with fresh SecureRandom coins the first time; null when
   * the job asks for none.
   *
   * @param canaryNorm the canary gradient's norm: C under DP; without DP, 1 / batch size, one record's
   *     share of a mini-batch's mean gradient
   */
  private JobAudit audit(JobSpec spec, Prepared p, double canaryNorm) {
    if (!spec.getPrivacy().hasAudit()) {
      return null;
    }
    PrivacyAudit a = spec.getPrivacy().getAudit();
    int parameters = p.network().parameterCount();
    return audits.computeIfAbsent(spec.getJobId(), id -> JobAudit.create(a.getCanaries(),
        a.getGuesses() > 0 ? a.getGuesses() : Math.max(1, a.getCanaries() / 2), parameters, canaryNorm,
        Seeds.canaryPlacement(spec.getSeed())));
  }

  /** Tests only: the audit this node uses for {@code jobId} (a seeded or deliberately broken one). */
  void useAuditForTest(String jobId, JobAudit audit) {
    audits.put(jobId, audit);
  }

  /** The accountant's epsilon for {@code steps} DP-SGD steps of the plan, at delta (NaN if it cannot say). */
  private static double accounted(JobSpec spec, DpPlan plan, long steps, double delta) {
    try {
      return DpPlanner.accountant(spec.getPrivacy().getAccountant())
          .epsilon(PrivacyPlan.of(plan.samplingRate(), plan.noiseMultiplier(), steps), delta).epsilon();
    } catch (DpParameterException e) {
      LOG.warning("job " + spec.getJobId() + ": cannot account the audited steps: " + e.getMessage());
      return Double.NaN;
    }
  }

  @Override
  public Optional<AuditSummary> auditSummary(JobSpec spec) {
    return Optional.ofNullable(auditSummaries.get(spec.getJobId()));
  }

  @Override
  public long trainingExamples(JobSpec spec) throws LocalDataException {
    Prepared p = prepare(spec);
    // Under privacy units DP-SGD samples units, so q is over them (issue 19 #2).
    return p.units() == null ? p.train().size() : p.units().count();
  }

  private TensorBundle start(JobSpec spec, Prepared p, Optional<TensorBundle> global) throws LocalDataException {
    TensorBundle start = global.orElseGet(() -> p.network().initialize(Seeds.initialisation(spec.getSeed())));
    try {
      p.network().checkLayout(start);
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the global model does not fit this job's schema: " + e.getMessage());
    }
    return start;
  }

  @Override
  public java.util.List<float[]> clippedUnitGradients(JobSpec spec, TensorBundle global, double q, double clipNorm)
      throws LocalDataException {
    Prepared p = prepare(spec);
    TensorBundle start = start(spec, p, Optional.of(global));
    // The sample is drawn from SecureRandom-keyed coins: a draw from the public job seed would let
    // the coordinator know which records a step used, voiding the amplification by subsampling. Under
    // privacy units (issue 19 #2) the coins pick persons, and each person's rows are summed and clipped once.
    return io.cohort.client.tabular.ClippedExampleGradients.ofSample(p.network(), start, p.train(), p.units(),
        PoissonSampler.secure(), q, clipNorm);
  }

  @Override
  public TensorBundle initialParameters(JobSpec spec) throws LocalDataException {
    Prepared p = prepare(spec);
    return p.network().initialize(Seeds.initialisation(spec.getSeed()));
  }

  @Override
  public EvaluationResult evaluate(JobSpec spec, TensorBundle model) throws LocalDataException {
    Prepared p = prepareEncoded(spec);
    try {
      p.network().checkLayout(model);
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the global model does not fit this job's schema: " + e.getMessage());
    }
    return NetworkTraining.evaluate(p.network(), model, p.validation()).toProto();
  }
}
