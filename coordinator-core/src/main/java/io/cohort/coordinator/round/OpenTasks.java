package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.crypto.secagg.Receipt;
import io.cohort.proto.v1.EvaluationResult;
import io.cohort.proto.v1.SecAggStage;
import java.util.logging.Logger;

/**
 * Where nodes' results for one job arrive (from the transport's threads) and which open phase
 * they belong to: the update collection of a plain round or an initialisation, the stages of a
 * secure round, or an evaluation. A phase opens its slot before it sends tasks; a result for no
 * open task is refused with {@code FAILED_PRECONDITION}. The transport has checked the results'
 * fields already (finite values, consistent counts); what is checked here is the round's state.
 */
public final class OpenTasks {
  private static final Logger LOG = Logger.getLogger(OpenTasks.class.getName());

  private final String jobId;
  private volatile TaskCollection<ClientUpdate> updates;
  private volatile SecureAggregationStages secure;
  private volatile TaskCollection<EvaluationResult> evaluation;
  /** The open training round and the SHA-256 of the global model it sent (issue 21 #6 receipts). */
  private volatile ReceivedModel received;

  private record ReceivedModel(int round, byte[] sha256) {}

  OpenTasks(String jobId) {
    this.jobId = jobId;
  }

  void open(TaskCollection<ClientUpdate> c) {
    updates = c;
  }

  void open(SecureAggregationStages s) {
    secure = s;
  }

  void close(SecureAggregationStages s) {
    if (secure == s) {
      secure = null;
    }
  }

  /** The training round now open and the global model it sends; nodes' receipts must name exactly that model. */
  void expectReceipts(int round, byte[] modelSha256) {
    received = new ReceivedModel(round, modelSha256.clone());
  }

  /**
   * The SHA-256 of the global model the open training round {@code round} sent (empty array: none,
   * a plain job's first round); empty when that round is not the open one.
   */
  public java.util.Optional<byte[]> receivedModel(int round) {
    ReceivedModel r = received;
    return r != null && r.round() == round ? java.util.Optional.of(r.sha256().clone()) : java.util.Optional.empty();
  }

  void openEvaluation(TaskCollection<EvaluationResult> c) {
    evaluation = c;
  }

  /** Checks an update's header before its bytes are received, so a doomed upload stops early. */
  public void checkUpdate(NodeSession caller, String taskId, int round) {
    openUpdates(taskId).check(taskId, caller, round);
  }

  /** Accepts a node's update for the open training round or initialisation. */
  public void deliverUpdate(NodeSession caller, String taskId, int round, ClientUpdate update) {
    openUpdates(taskId).deliver(taskId, caller, round, update);
  }

  private TaskCollection<ClientUpdate> openUpdates(String taskId) {
    TaskCollection<ClientUpdate> c = updates;
    if (c == null || !c.owns(taskId)) {
      throw DomainException.precondition("task " + taskId + " is not an open training task of job " + jobId);
    }
    return c;
  }

  /** Checks a secure-aggregation upload's header before its bytes are received. */
  public void checkSecAgg(NodeSession caller, String taskId, int round, SecAggStage stage) {
    openSecure(taskId).check(caller, taskId, round, stage);
  }

  /** Hands a node's stage message to the open secure round; returns the library's verdict. */
  public Receipt deliverSecAgg(NodeSession caller, String taskId, int round, SecAggStage stage, byte[] message) {
    return openSecure(taskId).receive(caller, taskId, round, stage, message);
  }

  private SecureAggregationStages openSecure(String taskId) {
    SecureAggregationStages s = secure;
    if (s == null || !s.owns(taskId)) {
      throw DomainException.precondition("task " + taskId + " is not an open secure-aggregation task of job " + jobId);
    }
    return s;
  }

  /** Accepts a node's evaluation metrics, already checked for consistency by the transport. */
  /** Whether {@code taskId} is a task of the open evaluation phase. */
  public boolean ownsEvaluation(String taskId) {
    TaskCollection<EvaluationResult> c = evaluation;
    return c != null && c.owns(taskId);
  }

  public void deliverEvaluation(NodeSession caller, String taskId, int round, EvaluationResult result) {
    TaskCollection<EvaluationResult> c = evaluation;
    if (c == null || !c.owns(taskId)) {
      throw DomainException.precondition("task " + taskId + " is not an open evaluation task of job " + jobId);
    }
    c.deliver(taskId, caller, round, result);
  }

  /** A node gives up a task; the phase goes on without it. */
  public void abandon(NodeSession caller, String taskId, String reason) {
    TaskCollection<ClientUpdate> t = updates;
    if (t != null && t.owns(taskId)) {
      t.abandon(taskId, caller, reason);
      LOG.warning("node " + caller.nodeId() + " abandoned round " + t.round() + " of job " + jobId + ": " + reason);
      return;
    }
    SecureAggregationStages s = secure;
    if (s != null && s.owns(taskId)) {
      s.abandon(caller, taskId);
      LOG.warning("node " + caller.nodeId() + " abandoned its secure-aggregation task of job " + jobId + ": " + reason);
      return;
    }
    TaskCollection<EvaluationResult> e = evaluation;
    if (e != null && e.owns(taskId)) {
      e.abandon(taskId, caller, reason);
      return;
    }
    throw DomainException.precondition("task " + taskId + " is not an open task of job " + jobId);
  }
}
