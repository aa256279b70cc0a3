package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.privacy.DpPlanner;
import io.cohort.client.tabular.CsvDataset;
import io.cohort.client.tabular.DatasetException;
import io.cohort.client.tabular.DatasetSplit;
import io.cohort.client.tabular.EncodedData;
import io.cohort.client.tabular.FeatureEncoder;
import io.cohort.client.tabular.JobAudit;
import io.cohort.client.tabular.NetworkTraining;
import io.cohort.client.tabular.TabularDpSgd;
import io.cohort.client.tabular.TabularNetwork;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.client.tabular.TrainResult;
import io.cohort.client.tabular.TrainingParams;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.proto.v1.AuditSummary;
import io.cohort.proto.v1.EvaluationResult;
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

  /** A job's local data, encoded once. */
  record Prepared(EncodedData train, EncodedData validation, TabularSchema schema, TabularNetwork network) {}

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
    p = ds.validationPath().isPresent()
        ? prepareWithValidationFile(ds.alias(), ds.path(), ds.validationPath().get(), schema, spec, network)
        : prepareWithSplit(ds.alias(), ds.path(), schema, spec, network);
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

  private static Prepared prepareWithSplit(String alias, Path file, TabularSchema schema, JobSpec spec,
      TabularNetwork network) throws LocalDataException {
    CsvDataset data = load("dataset '" + alias + "'", file, schema);
    DatasetSplit.Split split =
        DatasetSplit.stratified(data, spec.getTraining().getValidationFraction(), Seeds.split(spec.getSeed()));
    if (split.train().isEmpty()) {
      String problem = ": no training rows left after holding out the validation split";
      throw new LocalDataException(file + problem, "dataset '" + alias + "'" + problem);
    }
    FeatureEncoder enc = FeatureEncoder.fit(data, split.train(), schema, Schemas.standardize(spec.getTabular()));
    return new Prepared(enc.encode(data, split.train()), enc.encode(data, split.validation()), schema, network);
  }

  private static Prepared prepareWithValidationFile(String alias, Path trainFile, Path validationFile,
      TabularSchema schema, JobSpec spec, TabularNetwork network) throws LocalDataException {
    CsvDataset train = load("dataset '" + alias + "'", trainFile, schema);
    CsvDataset validation = load("dataset '" + alias + "' (validation file)", validationFile, schema);
    if (train.size() == 0) {
      throw new LocalDataException(trainFile + ": has no data rows", "dataset '" + alias + "': has no data rows");
    }
    FeatureEncoder enc = FeatureEncoder.fit(train, all(train), schema, Schemas.standardize(spec.getTabular()));
    return new Prepared(enc.encode(train, all(train)), enc.encode(validation, all(validation)), schema, network);
  }

  static List<Integer> all(CsvDataset d) {
    return IntStream.range(0, d.size()).boxed().toList();
  }

  /** Loads a CSV file; errors name {@code dataset} (the alias), not the file, in their public rendering. */
  private static CsvDataset load(String dataset, Path file, TabularSchema schema) throws LocalDataException {
    try {
      return CsvDataset.load(file, schema);
    } catch (DatasetException e) {
      throw new LocalDataException(e.getMessage(), e.publicMessage(dataset));
    }
  }

  @Override
  public Outcome train(JobSpec spec, int round, Optional<TensorBundle> global) throws LocalDataException {
    Prepared p = prepare(spec);
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
    Prepared p = prepare(spec);
    TensorBundle start = start(spec, p, global);
    double lr = spec.getPrivacy().getLearningRate() > 0 ? spec.getPrivacy().getLearningRate()
        : spec.getTraining().getLearningRate();
    JobAudit audit = audit(spec, p, plan.clipNorm());
    PoissonSampler sampler = PoissonSampler.secure();
    TrainResult r = TabularDpSgd.train(p.network(), start, p.train(), plan.trainingParams(lr), sampler, noise, audit,
        round);
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
    return prepare(spec).train().size();
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
    // the coordinator know which records a step used, voiding the amplification by subsampling.
    int[] rows = PoissonSampler.secure().sample(p.train().size(), q);
    return io.cohort.client.tabular.ClippedExampleGradients.of(p.network(), start, p.train(), rows, clipNorm);
  }

  @Override
  public TensorBundle initialParameters(JobSpec spec) throws LocalDataException {
    Prepared p = prepare(spec);
    return p.network().initialize(Seeds.initialisation(spec.getSeed()));
  }

  @Override
  public EvaluationResult evaluate(JobSpec spec, TensorBundle model) throws LocalDataException {
    Prepared p = prepare(spec);
    try {
      p.network().checkLayout(model);
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the global model does not fit this job's schema: " + e.getMessage());
    }
    return NetworkTraining.evaluate(p.network(), model, p.validation()).toProto();
  }
}
