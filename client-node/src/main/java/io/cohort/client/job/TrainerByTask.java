package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.privacy.DpPlan;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TaskType;
import io.cohort.wire.TensorBundle;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** One node, every kind of job: hands each call to the trainer of the job's task. */
public final class TrainerByTask implements LocalTrainer {
  private final Map<TaskType, LocalTrainer> trainers;

  public TrainerByTask(Map<TaskType, LocalTrainer> trainers) {
    this.trainers = new EnumMap<>(trainers);
  }

  /** Tabular jobs on CSV datasets, and sequence classification, causal LM and chat SFT jobs on JSONL with local models. */
  public static TrainerByTask forNode(NodeConfig config) {
    LmTrainer lm = new LmTrainer(config);
    return new TrainerByTask(Map.of(TaskType.TASK_TYPE_TABULAR_CLASSIFICATION, new TabularTrainer(config),
        TaskType.TASK_TYPE_SEQUENCE_CLASSIFICATION, lm, TaskType.TASK_TYPE_CAUSAL_LM, lm, TaskType.TASK_TYPE_CHAT_SFT,
        lm));
  }

  private LocalTrainer of(JobSpec spec) throws LocalDataException {
    LocalTrainer t = trainers.get(spec.getTask());
    if (t == null) {
      throw new LocalDataException("this node cannot train " + spec.getTask() + " jobs (it trains: "
          + trainers.keySet() + ")");
    }
    return t;
  }

  @Override
  public Optional<Decline> check(JobSpec spec) {
    try {
      return of(spec).check(spec);
    } catch (LocalDataException e) {
      return Optional.of(e.decline());
    }
  }

  @Override
  public Outcome train(JobSpec spec, int round, Optional<TensorBundle> global) throws LocalDataException {
    return of(spec).train(spec, round, global);
  }

  @Override
  public Outcome trainPrivately(JobSpec spec, int round, Optional<TensorBundle> global, DpPlan plan)
      throws LocalDataException {
    return of(spec).trainPrivately(spec, round, global, plan);
  }

  @Override
  public long trainingExamples(JobSpec spec) throws LocalDataException {
    return of(spec).trainingExamples(spec);
  }

  @Override
  public java.util.List<float[]> clippedUnitGradients(JobSpec spec, TensorBundle global, double q, double clipNorm)
      throws LocalDataException {
    return of(spec).clippedUnitGradients(spec, global, q, clipNorm);
  }

  @Override
  public io.cohort.proto.v1.FederationStatistics featureStatistics(JobSpec spec) throws LocalDataException {
    return of(spec).featureStatistics(spec);
  }

  @Override
  public void useFederationStatistics(JobSpec spec, io.cohort.proto.v1.FederationStatistics statistics)
      throws LocalDataException {
    of(spec).useFederationStatistics(spec, statistics);
  }

  @Override
  public TensorBundle initialParameters(JobSpec spec) throws LocalDataException {
    return of(spec).initialParameters(spec);
  }

  @Override
  public Optional<io.cohort.proto.v1.AuditSummary> auditSummary(JobSpec spec) {
    LocalTrainer t = trainers.get(spec.getTask());
    return t == null ? Optional.empty() : t.auditSummary(spec);
  }

  @Override
  public EvaluationResult evaluate(JobSpec spec, TensorBundle model) throws LocalDataException {
    return of(spec).evaluate(spec, model);
  }
}
