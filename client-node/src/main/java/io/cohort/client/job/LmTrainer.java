package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.text.ChatRecords;
import io.cohort.client.job.text.TextData;
import io.cohort.client.job.text.TextEvaluation;
import io.cohort.client.job.text.TextAudit;
import io.cohort.client.job.text.TextModel;
import io.cohort.client.tabular.ClippedExampleGradients;
import io.cohort.client.tabular.JobAudit;
import io.cohort.client.tabular.UnitGroups;
import io.cohort.lm.chat.ChatEncoder;
import io.cohort.lm.chat.ChatTemplate;
import io.cohort.lm.chat.Conversation;
import io.cohort.lm.data.DataFormatException;
import io.cohort.lm.data.TextBatcher;
import io.cohort.lm.train.AdamW;
import io.cohort.lm.train.DpSgd;
import io.cohort.lm.train.Optimizer;
import io.cohort.lm.train.TrainOptions;
import io.cohort.lm.train.TrainReport;
import io.cohort.lm.train.TrainingMemory;
import io.cohort.client.privacy.DpPlan;
import io.cohort.client.tabular.DpSgdParams;
import io.cohort.crypto.dp.GaussianNoise;
import io.cohort.crypto.dp.PoissonSampler;
import io.cohort.format.checkpoint.CheckpointDigest;
import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.TaskKinds;
import io.cohort.wire.TensorBundle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * LoRA fine-tuning of a local Hugging Face checkpoint (GPT-2 or the Llama family: Llama, Mistral,
 * Qwen2, Qwen3) on local JSONL, for sequence
 * classification and causal LM jobs. The job names its base model and content hash; this node
 * resolves the name in its {@code models:} map and declines when the folder hashes differently.
 * Only the trainable tensors travel ({@code text.AdapterBundle}); under FFA-LoRA every node
 * regenerates the frozen A from the job seed.
 *
 * <p>Loading the checkpoint and tokenising the data is slow, so the prepared job is kept between
 * rounds; at most {@link #KEPT_JOBS} jobs are kept (least recently used dropped first), because
 * each holds a copy of its base model.
 */
public final class LmTrainer implements LocalTrainer {
  static final int KEPT_JOBS = 2;
  private static final Logger LOG = Logger.getLogger(LmTrainer.class.getName());
  private static final int EVALUATION_BATCH = 16;

  private final NodeConfig config;
  /** DP noise: keyed from SecureRandom, never from the job's seed. */
  private final GaussianNoise noise = GaussianNoise.create();
  private boolean skipNoiseForTest;
  /** Each audited job's canaries and secret coins, for the job's life on this node (memory only). */
  private final Map<String, JobAudit> audits = new java.util.concurrent.ConcurrentHashMap<>();
  /** Each audited job's latest summary (counts and bound only), sent with the next evaluation. */
  private final Map<String, io.cohort.proto.v1.AuditSummary> auditSummaries =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Prepared> prepared = new LinkedHashMap<>(4, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Prepared> eldest) {
      return size() > KEPT_JOBS;
    }
  };

  /** The schedule of the last DP-SGD round, for tests to compare with the ledger's plan. */
  private volatile TrainReport lastPrivateRound;

  /**
   * A job's model and tokenised data, ready for rounds; for chat SFT also the encoder and the
   * held-out conversations exact-match evaluation asks (null otherwise); under a per-person privacy unit the
   * training records grouped by person (null otherwise).
   */
  record Prepared(TextModel model, TextData data, ChatEncoder chatEncoder, List<Conversation> chatValidation,
      UnitGroups units) {}

  public LmTrainer(NodeConfig config) {
    this.config = config;
  }

  @Override
  public Optional<Decline> check(JobSpec spec) {
    return LocalTrainer.reasonToDecline(() -> prepare(spec));
  }

  synchronized Prepared prepare(JobSpec spec) throws LocalDataException {
    Prepared p = prepared.get(spec.getJobId());
    if (p != null) {
      return p;
    }
    if (!TaskKinds.isLanguageModel(spec)) {
      throw new LocalDataException("this trainer handles sequence classification, causal LM and chat SFT, not "
          + spec.getTask());
    }
    String unit = io.cohort.client.privacy.PrivacyUnits.perPerson(spec) ? spec.getPrivacy().getUnit() : null;
    if (unit != null && (!io.cohort.client.privacy.DistributedDpPlanner.distributed(spec)
        || spec.getTask() != TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION)) {
      // Issue 19 #2: text jobs clip per person only in distributed mode (clippedUnitGradients); local DP-SGD of a
      // text job clips per record, so it must not silently run at record level.
      throw new LocalDataException("privacy.unit '" + unit + "': per-person privacy units for text jobs are"
          + " supported with privacy.mode distributed (sequence_classification) only so far; this node trains other"
          + " text jobs at record level (privacy.unit: record)");
    }
    if (spec.getPrivacy().getEnabled() && spec.getText().getClassWeight().getBalanced()) {
      // Refused before the model loads; the job file refuses it too, this guards specs from elsewhere.
      throw new LocalDataException("text.class_weight balanced is computed from this node's class counts, which"
          + " differential privacy does not protect; a private job needs explicit weights such as {1: 5}");
    }
    Path dir = modelDir(spec);
    NodeConfig.Dataset ds = dataset(spec);
    checkTextSettings(spec);
    TextModel model;
    try {
      model = TextModel.load(dir, spec, Seeds.initialisation(spec.getSeed()));
    } catch (CheckpointException e) {
      throw new LocalDataException("model '" + spec.getModel().getName() + "': " + e.getMessage(),
          "model '" + spec.getModel().getName() + "' cannot be loaded on this node (details in the node's log)");
    } catch (IllegalArgumentException e) {
      String problem = "job " + spec.getJobId() + " does not fit model '" + spec.getModel().getName() + "'";
      throw new LocalDataException(problem + " at " + dir + ": " + e.getMessage(), problem + " (details in the node's log)");
    }
    int positions = model.model().maxPositions();
    int maxLength = spec.getText().getMaxLength();
    if (maxLength > positions) {
      throw new LocalDataException("text.max_length " + maxLength + " exceeds model '" + spec.getModel().getName()
          + "''s " + positions + " positions");
    }
    boolean lm = spec.getTask() == TaskType.TASK_TYPE_CAUSAL_LM;
    boolean chat = spec.getTask() == TaskType.TASK_TYPE_CHAT_SFT;
    double fraction = spec.getTraining().getValidationFraction();
    long splitSeed = Seeds.split(spec.getSeed());
    TextData data;
    ChatEncoder encoder = chat ? chatEncoder(spec, dir, model, maxLength) : null;
    List<Conversation> chatValidation = null;
    try {
      if (chat) {
        ChatRecords records = ChatRecords.read(ds.path(), ds.validationPath(), fraction, splitSeed, encoder);
        model.useChatMasks(records.masks());
        data = records.data();
        chatValidation = records.validation();
      } else {
        TextBatcher batcher = new TextBatcher(model.tokenizer(), maxLength, lm, false);
        data = lm ? TextData.causalLm(ds.path(), ds.validationPath(), fraction, splitSeed, batcher)
            : TextData.classification(ds.path(), ds.validationPath(), spec.getText().getNumLabels(), fraction,
                splitSeed, batcher, unit);
      }
    } catch (DataFormatException e) {
      // The public text names the alias, line and kind of problem: no path, no record content.
      boolean validation = ds.validationPath().isPresent()
          && e.getMessage().startsWith(ds.validationPath().get().toString() + ":");
      throw new LocalDataException(e.getMessage(),
          e.publicMessage("dataset '" + ds.alias() + "'" + (validation ? " (validation file)" : "")));
    }
    checkMemory(spec, model, data, maxLength);
    applyClassWeights(spec, model, data);
    prepared.put(spec.getJobId(), new Prepared(model, data, encoder, chatValidation,
        data.trainUnits() == null ? null : UnitGroups.of(data.trainUnits())));
    LOG.info(String.format("job %s: model '%s' loaded, %d training and %d held-out records tokenised",
        spec.getJobId(), spec.getModel().getName(), data.train().size(), data.validation().size()));
    return prepared.get(spec.getJobId());
  }

  /**
   * A sequence classification job's {@code text.class_weight} (issue 23 #3) set on its head: the listed
   * weights, or balanced from this node's training labels (which a private job may not use: {@link #prepare}
   * refuses it, as the counts are not covered by DP-SGD's noise).
   */
  private static void applyClassWeights(JobSpec spec, TextModel model, TextData data) throws LocalDataException {
    if (!spec.getText().hasClassWeight()) {
      return;
    }
    if (spec.getTask() != TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION) {
      throw new LocalDataException("text.class_weight applies only to sequence classification, not " + spec.getTask());
    }
    try {
      double[] weights = Schemas.classWeights(spec.getText().getClassWeight(), spec.getText().getNumLabels(),
          data.trainLabels());
      ((io.cohort.lm.train.SequenceClassification) model.task()).setClassWeights(weights);
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("text.class_weight: " + e.getMessage());
    }
  }

  /**
   * Declines, at the offer, a job whose training would not fit this node's heap even with activation
   * recomputation (the numbers are sizes, nothing of the data). Under DP the batch is the planner's
   * Poisson sample, bounded here by the training batch size or the whole training set.
   */
  private static void checkMemory(JobSpec spec, TextModel model, TextData data, int maxLength)
      throws LocalDataException {
    int rows = data.train().size();
    int batch = Math.max(1, Math.min(rows, spec.getTraining().getBatchSize() > 0 ? spec.getTraining().getBatchSize()
        : rows));
    boolean dp = spec.hasPrivacy() && spec.getPrivacy().getEnabled();
    try {
      TrainingMemory.Plan plan = TrainingMemory.prepare(model.model(), model.trainer().parameters(), batch, maxLength,
          dp, TrainingMemory.availableHeap());
      if (plan != null && plan.recompute()) {
        LOG.info("job " + spec.getJobId() + ": activation recomputation on; " + plan.describe());
      }
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("job " + spec.getJobId() + ": " + e.getMessage(),
          "job does not fit this node's memory: " + e.getMessage());
    }
  }

  /**
   * The chat template of the model folder (tokenizer_config.json's chat_template; GPT-2 without one:
   * the documented default) over its tokenizer.
   */
  private static ChatEncoder chatEncoder(JobSpec spec, Path dir, TextModel model, int maxLength)
      throws LocalDataException {
    try {
      return new ChatEncoder(ChatTemplate.fromDirectory(dir), ChatEncoder.of(model.tokenizer()),
          maxLength);
    } catch (IOException | IllegalArgumentException e) {
      throw new LocalDataException("model '" + spec.getModel().getName() + "': its chat template cannot be used: "
          + e.getMessage(), "model '" + spec.getModel().getName() + "': its chat template cannot be used (details in"
          + " the node's log)");
    }
  }

  /** The model folder the job's model name resolves to, after checking its content hash. */
  private Path modelDir(JobSpec spec) throws LocalDataException {
    String name = spec.getModel().getName();
    if (name.isEmpty()) {
      throw new LocalDataException("the job names no base model (model.name)");
    }
    Path dir = config.model(name).orElseThrow(() -> new LocalDataException("model '" + name
        + "' is not configured on this node (node.yaml models: " + (config.models().isEmpty() ? "none"
            : String.join(", ", config.models().keySet().stream().sorted().toList())) + ")"));
    String actual;
    try {
      actual = CheckpointDigest.of(dir);
    } catch (CheckpointException e) {
      throw new LocalDataException("model '" + name + "': " + e.getMessage(),
          "model '" + name + "' cannot be read on this node (details in the node's log)");
    }
    String expected = spec.getModel().getSha256();
    if (!actual.equalsIgnoreCase(expected)) {
      String problem = " has content hash " + actual
          + " but the job requires " + (expected.isEmpty() ? "(none given)" : expected)
          + "; it is a different checkpoint (see cohort-node model hash)";
      throw new LocalDataException("model '" + name + "' at " + dir + problem, "model '" + name + "'" + problem);
    }
    return dir;
  }

  private NodeConfig.Dataset dataset(JobSpec spec) throws LocalDataException {
    return JobDatasets.require(config, spec, "jsonl", "language-model jobs");
  }

  private static void checkTextSettings(JobSpec spec) throws LocalDataException {
    int maxLength = spec.getText().getMaxLength();
    if (maxLength < 2) {
      throw new LocalDataException("text.max_length must be >= 2, got " + maxLength);
    }
    if (spec.getTask() == TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION && spec.getText().getNumLabels() < 2) {
      throw new LocalDataException("text.num_labels must be >= 2 for sequence classification, got "
          + spec.getText().getNumLabels());
    }
    trainOptions(spec, 0, "");
  }

  /** Non-private training of one round, from the job's training block and text.weight_decay. */
  private static TrainOptions trainOptions(JobSpec spec, int round, String nodeId) throws LocalDataException {
    var t = spec.getTraining();
    try {
      return new TrainOptions(Math.max(1, t.getLocalEpochs()), t.getBatchSize(), t.getLearningRate(),
          spec.getText().getWeightDecay(), Seeds.training(spec.getSeed(), nodeId, round), null);
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the job's training block is invalid: " + e.getMessage());
    }
  }

  @Override
  public TensorBundle initialParameters(JobSpec spec) throws LocalDataException {
    return prepare(spec).model().initialParameters();
  }

  @Override
  public long trainingExamples(JobSpec spec) throws LocalDataException {
    Prepared p = prepare(spec);
    // Under privacy units distributed DP samples persons, so q is over them (issue 19 #2).
    return p.units() == null ? p.data().train().size() : p.units().count();
  }

  @Override
  public Outcome train(JobSpec spec, int round, Optional<TensorBundle> global) throws LocalDataException {
    Prepared p = prepare(spec);
    TrainOptions options = trainOptions(spec, round, config.nodeId());
    synchronized (p) {
      start(p, global);
      int n = p.data().train().size();
      long steps = (long) options.epochs() * ((n + options.batchSize() - 1) / options.batchSize());
      JobAudit audit = audit(spec, p, 1.0 / options.batchSize());
      p.model().trainer().setAudit(audit == null ? null
          : new TextAudit(audit.forRound(round, steps), Math.min(1.0, (double) options.batchSize() / n)));
      TrainReport r;
      try {
        r = p.model().trainer().train(p.data().train(), p.data().trainLabels(), options, null);
      } finally {
        p.model().trainer().setAudit(null);
      }
      if (audit != null) {
        double d = spec.getPrivacy().getAudit().getDelta();
        auditSummaries.put(spec.getJobId(), audit.summary(d > 0 && d < 1 ? d : 1e-5, Double.NaN));
      }
      return new Outcome(p.model().snapshot(), p.data().train().size(), Map.of("train_loss", r.lastEpochLoss()));
    }
  }

  @Override
  public Outcome trainPrivately(JobSpec spec, int round, Optional<TensorBundle> global, DpPlan plan)
      throws LocalDataException {
    Prepared p = prepare(spec);
    double lr = spec.getPrivacy().getLearningRate() > 0 ? spec.getPrivacy().getLearningRate()
        : spec.getTraining().getLearningRate();
    Optimizer optimizer = plan.optimizer() == DpSgdParams.Optimizer.SGD ? Optimizer.sgd()
        : new AdamW(spec.getText().getWeightDecay());
    DpSgd dpSgd;
    try {
      dpSgd = new DpSgd(skipNoiseForTest ? 0 : plan.noiseMultiplier(), plan.clipNorm(), noise);
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the job's privacy block is invalid: " + e.getMessage());
    }
    synchronized (p) {
      start(p, global);
      JobAudit audit = audit(spec, p, plan.clipNorm());
      p.model().trainer().setAudit(audit == null ? null
          : new TextAudit(audit.forRound(round, plan.stepsPerRound()), plan.samplingRate()));
      TrainReport r;
      try {
        r = p.model().trainer().trainPoisson(p.data().train(), p.data().trainLabels(), plan.samplingRate(),
            plan.stepsPerRound(), dpSgd, optimizer, lr, PoissonSampler.secure(),
            Seeds.training(spec.getSeed(), config.nodeId(), round));
      } finally {
        p.model().trainer().setAudit(null);
      }
      double delta = spec.getPrivacy().getDelta();
      if (audit != null && delta > 0 && delta < 1) {
        auditSummaries.put(spec.getJobId(), audit.summary(delta, accounted(spec, plan, audit.steps(), delta)));
      }
      lastPrivateRound = r;
      LOG.fine(() -> String.format("job %s round %d: DP-SGD %d steps (q %.5f, sigma %.4f), mean train loss %.4f"
          + " (stays on this node)", spec.getJobId(), round, r.steps(), r.q(), r.noiseMultiplier(), r.lastEpochLoss()));
      // No train_loss metric: it is computed from the records without noise, so it must not leave.
      return new Outcome(p.model().snapshot(), p.data().train().size(), Map.of());
    }
  }

  /**
   * Distributed DP-SGD for a text classification job (issue 19 #1): Poisson-samples this node's
   * training records at rate q with SecureRandom coins and returns each sampled record's gradient of
   * the trainable parameters (adapters, then head: the bundle's order) at {@code global}, clipped to
   * {@code clipNorm}. The records go through the model a training batch at a time. Under a per-person
   * {@code privacy.unit} (issue 19 #2) the coins pick persons, and each person's vector is the sum of
   * all their records' gradients, clipped once ({@link #personGradients}). Language
   * modelling and chat jobs are refused: their per-example objective is not what was checked here.
   */
  @Override
  public java.util.List<float[]> clippedUnitGradients(JobSpec spec, TensorBundle global, double q, double clipNorm)
      throws LocalDataException {
    if (spec.getTask() != TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION) {
      throw new LocalDataException("distributed DP is available for text task sequence_classification only, not "
          + spec.getTask().name().replace("TASK_TYPE_", "").toLowerCase(java.util.Locale.ROOT));
    }
    Prepared p = prepare(spec);
    int chunk = spec.getTraining().getBatchSize() > 0 ? spec.getTraining().getBatchSize() : 16;
    synchronized (p) {
      start(p, Optional.of(global));
      // The sample is SecureRandom's: one the coordinator could predict would void the amplification.
      PoissonSampler sampler = PoissonSampler.secure();
      // Dropout only (never the sample or the noise); nothing about it needs to be reproducible.
      java.util.SplittableRandom dropout = new java.util.SplittableRandom(new java.security.SecureRandom().nextLong());
      try {
        if (p.units() != null) {
          return personGradients(p, sampler.sample(p.units().count(), q), clipNorm, chunk, dropout);
        }
        int[] idx = sampler.sample(p.data().train().size(), q);
        return p.model().trainer().clippedExampleGradients(p.data().train(), p.data().trainLabels(), idx, clipNorm,
            chunk, dropout);
      } catch (IllegalArgumentException e) {
        throw new LocalDataException("distributed DP: " + e.getMessage());
      }
    }
  }

  /**
   * One vector per person of {@code persons}: the sum of the gradients of all the person's training records
   * (each unclipped), scaled to norm at most {@code clipNorm}, so all of a person's records together add at most C.
   * Persons go through the model about {@code chunk} records at a time (a person's records together).
   */
  private static java.util.List<float[]> personGradients(Prepared p, int[] persons, double clipNorm, int chunk,
      java.util.SplittableRandom dropout) {
    java.util.List<float[]> out = new java.util.ArrayList<>(persons.length);
    int from = 0;
    while (from < persons.length) {
      int to = from;
      int rows = 0;
      while (to < persons.length && (to == from || rows + p.units().rows(persons[to]).length <= chunk)) {
        rows += p.units().rows(persons[to]).length;
        to++;
      }
      int[] idx = new int[rows];
      int at = 0;
      for (int k = from; k < to; k++) {
        for (int r : p.units().rows(persons[k])) {
          idx[at++] = r;
        }
      }
      // Unclipped per record (C infinite): the person's sum is what is clipped.
      java.util.List<float[]> perRecord = p.model().trainer().clippedExampleGradients(p.data().train(),
          p.data().trainLabels(), idx, Double.POSITIVE_INFINITY, chunk, dropout);
      at = 0;
      for (int k = from; k < to; k++) {
        float[] sum = new float[perRecord.get(at).length];
        for (int n = p.units().rows(persons[k]).length; n > 0; n--, at++) {
          float[] g = perRecord.get(at);
          for (int i = 0; i < sum.length; i++) {
            sum[i] += g[i];
          }
        }
        out.add(ClippedExampleGradients.clipToNorm(sum, clipNorm));
      }
      from = to;
    }
    return out;
  }

  /**
   * The job's audit on this node ({@code privacy.audit}), created with fresh SecureRandom coins the
   * first time; null when the job asks for none. Its canaries sit on the job's trainable
   * coordinates (adapters, then head), placed from the public job seed.
   *
   * @param canaryNorm C under DP; without DP, 1 / batch size (one record's share of a batch's mean gradient)
   */
  private JobAudit audit(JobSpec spec, Prepared p, double canaryNorm) throws LocalDataException {
    if (!spec.getPrivacy().hasAudit()) {
      return null;
    }
    io.cohort.proto.v1.PrivacyAudit a = spec.getPrivacy().getAudit();
    int parameters = TextAudit.coordinates(p.model().trainer().parameters());
    try {
      return audits.computeIfAbsent(spec.getJobId(), id -> JobAudit.create(a.getCanaries(),
          a.getGuesses() > 0 ? a.getGuesses() : Math.max(1, a.getCanaries() / 2), parameters, canaryNorm,
          Seeds.canaryPlacement(spec.getSeed())));
    } catch (IllegalArgumentException e) {
      throw new LocalDataException(e.getMessage());
    }
  }

  /** The accountant's epsilon for {@code steps} DP-SGD steps of the plan, at delta (NaN if it cannot say). */
  private static double accounted(JobSpec spec, DpPlan plan, long steps, double delta) {
    try {
      return io.cohort.client.privacy.DpPlanner.accountant(spec.getPrivacy().getAccountant())
          .epsilon(io.cohort.crypto.dp.PrivacyPlan.of(plan.samplingRate(), plan.noiseMultiplier(), steps), delta)
          .epsilon();
    } catch (io.cohort.crypto.dp.DpParameterException e) {
      LOG.warning("job " + spec.getJobId() + ": cannot account the audited steps: " + e.getMessage());
      return Double.NaN;
    }
  }

  @Override
  public Optional<io.cohort.proto.v1.AuditSummary> auditSummary(JobSpec spec) {
    return Optional.ofNullable(auditSummaries.get(spec.getJobId()));
  }

  /**
   * Tests only: DP-SGD rounds skip the noise whatever the plan says, while the audit's accounted
   * epsilon still comes from the plan (a deliberately broken build, to show the audit catches it).
   * Package-private: no job, configuration or flag reaches it.
   */
  LmTrainer brokenNoiseForTest() {
    skipNoiseForTest = true;
    return this;
  }

  TrainReport lastPrivateRound() {
    return lastPrivateRound;
  }

  private static void start(Prepared p, Optional<TensorBundle> global) throws LocalDataException {
    try {
      p.model().load(global.orElse(p.model().initialParameters()));
    } catch (IllegalArgumentException e) {
      throw new LocalDataException("the global model does not fit this job's adapter: " + e.getMessage());
    }
  }

  @Override
  public EvaluationResult evaluate(JobSpec spec, TensorBundle model) throws LocalDataException {
    Prepared p = prepare(spec);
    synchronized (p) {
      start(p, Optional.of(model));
      TextData d = p.data();
      return switch (spec.getTask()) {
        case TASK_TYPE_CAUSAL_LM -> TextEvaluation.causalLm(p.model(), d.validation(), EVALUATION_BATCH);
        case TASK_TYPE_CHAT_SFT -> TextEvaluation.chat(p.model(), p.chatEncoder(), d, p.chatValidation(),
            EVALUATION_BATCH);
        default -> TextEvaluation.classification(p.model(), d.validation(), d.validationLabels(), EVALUATION_BATCH);
      };
    }
  }
}
