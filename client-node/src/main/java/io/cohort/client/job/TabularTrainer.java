package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.tabular.CsvDataset;
import io.cohort.client.tabular.TabularDpSgd;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.client.tabular.DatasetException;
import io.cohort.client.tabular.DatasetSplit;
import io.cohort.client.tabular.EncodedData;
import io.cohort.client.tabular.FeatureEncoder;
import io.cohort.client.tabular.MlpClassifier;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.client.tabular.TrainResult;
import io.cohort.client.tabular.TrainingParams;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
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
 * Tabular classification on a local CSV file: the schema comes with the job, the scaling
 * statistics are fitted here on local training rows only, and the MLP trains with ND4J.
 */
public final class TabularTrainer implements LocalTrainer {
  private final NodeConfig config;
  private static final Logger LOG = Logger.getLogger(TabularTrainer.class.getName());
  private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
  /** DP noise: keyed from SecureRandom, never from the job's seed. */
  private final GaussianNoise noise = GaussianNoise.create();

  /** A job's local data, encoded once. */
  record Prepared(EncodedData train, EncodedData validation, TabularSchema schema) {}

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
    p = ds.validationPath().isPresent()
        ? prepareWithValidationFile(ds.alias(), ds.path(), ds.validationPath().get(), schema)
        : prepareWithSplit(ds.alias(), ds.path(), schema, spec);
    prepared.put(spec.getJobId(), p);
    return p;
  }

  private static Prepared prepareWithSplit(String alias, Path file, TabularSchema schema, JobSpec spec)
      throws LocalDataException {
    CsvDataset data = load("dataset '" + alias + "'", file, schema);
    DatasetSplit.Split split =
        DatasetSplit.stratified(data, spec.getTraining().getValidationFraction(), Seeds.split(spec.getSeed()));
    if (split.train().isEmpty()) {
      String problem = ": no training rows left after holding out the validation split";
      throw new LocalDataException(file + problem, "dataset '" + alias + "'" + problem);
    }
    FeatureEncoder enc = FeatureEncoder.fit(data, split.train(), schema);
    return new Prepared(enc.encode(data, split.train()), enc.encode(data, split.validation()), schema);
  }

  private static Prepared prepareWithValidationFile(String alias, Path trainFile, Path validationFile,
      TabularSchema schema) throws LocalDataException {
    CsvDataset train = load("dataset '" + alias + "'", trainFile, schema);
    CsvDataset validation = load("dataset '" + alias + "' (validation file)", validationFile, schema);
    if (train.size() == 0) {
      throw new LocalDataException(trainFile + ": has no data rows", "dataset '" + alias + "': has no data rows");
    }
    FeatureEncoder enc = FeatureEncoder.fit(train, all(train), schema);
    return new Prepared(enc.encode(train, all(train)), enc.encode(validation, all(validation)), schema);
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
    TensorBundle start = global.orElseGet(() -> MlpClassifier.initialize(
        p.schema().inputWidth(), p.schema().hiddenUnits(), p.schema().numClasses(), Seeds.initialisation(spec.getSeed())));
    try {
      MlpClassifier.checkLayout(start, p.schema().inputWidth(), p.schema().numClasses());
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the global model does not fit this job's schema: " + e.getMessage());
    }
    var t = spec.getTraining();
    TrainResult r = MlpClassifier.train(start, p.train(),
        new TrainingParams(t.getLocalEpochs(), t.getBatchSize(), t.getLearningRate()),
        Seeds.training(spec.getSeed(), config.nodeId(), round));
    return new Outcome(r.weights(), r.examples(), Map.of("train_loss", r.meanTrainLoss()));
  }

  @Override
  public Outcome trainPrivately(JobSpec spec, int round, Optional<TensorBundle> global, DpPlan plan)
      throws LocalDataException {
    Prepared p = prepare(spec);
    TensorBundle start = start(spec, p, global);
    double lr = spec.getPrivacy().getLearningRate() > 0 ? spec.getPrivacy().getLearningRate()
        : spec.getTraining().getLearningRate();
    TrainResult r = TabularDpSgd.train(start, p.train(), plan.trainingParams(lr), PoissonSampler.secure(), noise);
    LOG.fine(() -> String.format("job %s round %d: DP-SGD mean train loss %.4f (stays on this node)",
        spec.getJobId(), round, r.meanTrainLoss()));
    // No train_loss metric: it is computed from the records without noise, so it must not leave.
    return new Outcome(r.weights(), r.examples(), Map.of());
  }

  @Override
  public long trainingExamples(JobSpec spec) throws LocalDataException {
    return prepare(spec).train().size();
  }

  private TensorBundle start(JobSpec spec, Prepared p, Optional<TensorBundle> global) throws LocalDataException {
    TensorBundle start = global.orElseGet(() -> MlpClassifier.initialize(
        p.schema().inputWidth(), p.schema().hiddenUnits(), p.schema().numClasses(), Seeds.initialisation(spec.getSeed())));
    try {
      MlpClassifier.checkLayout(start, p.schema().inputWidth(), p.schema().numClasses());
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the global model does not fit this job's schema: " + e.getMessage());
    }
    return start;
  }

  @Override
  public TensorBundle initialParameters(JobSpec spec) throws LocalDataException {
    Prepared p = prepare(spec);
    return MlpClassifier.initialize(p.schema().inputWidth(), p.schema().hiddenUnits(), p.schema().numClasses(),
        Seeds.initialisation(spec.getSeed()));
  }

  @Override
  public EvaluationResult evaluate(JobSpec spec, TensorBundle model) throws LocalDataException {
    Prepared p = prepare(spec);
    try {
      MlpClassifier.checkLayout(model, p.schema().inputWidth(), p.schema().numClasses());
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the global model does not fit this job's schema: " + e.getMessage());
    }
    return MlpClassifier.evaluate(model, p.validation()).toProto();
  }
}
