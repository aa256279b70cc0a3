package io.cohort.coordinator.round;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.NodeDecision;
import io.cohort.crypto.SecureTokens;
import io.cohort.proto.v1.JobOffer;
import io.cohort.proto.v1.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The offer of one job to the nodes, and who accepted it. Every node that registers gets the offer
 * unless it answered already (answers are stored and survive a restart); a node may answer again,
 * and its latest answer counts. Thread-safe: answers arrive on the transport's threads.
 *
 * <p>The offer window is the job's {@code round_timeout}: the job starts once {@code min_nodes}
 * nodes accepted and every live node answered, or when the window closes with enough acceptances.
 * A window that closes with fewer fails the job, naming each node's decline reason, so that a job
 * every node declines does not stay OFFERED (and its watchers waiting) forever.
 */
public final class Offers {
  private static final Logger LOG = Logger.getLogger(Offers.class.getName());

  private static final int MAX_REASON_CHARS = 300;

  private final RoundContext ctx;
  private final JobStore store;
  private volatile RoundObserver observer = RoundObserver.NONE;
  /** Offer task ids by node, for offers not yet answered. */
  private final Map<String, String> open = new ConcurrentHashMap<>();
  private final Set<String> accepted = ConcurrentHashMap.newKeySet();
  /** The latest decline reason by node, for nodes whose latest answer is a decline. */
  private final Map<String, String> declined = new ConcurrentHashMap<>();

  Offers(RoundContext ctx, JobStore store) {
    this.ctx = ctx;
    this.store = store;
    for (NodeDecision d : store.decisions(ctx.jobId())) {
      record(d.nodeId(), d.accepted(), d.reason());
    }
  }

  void observe(RoundObserver o) {
    this.observer = o;
  }

  private boolean answered(String nodeId) {
    return accepted.contains(nodeId) || declined.containsKey(nodeId);
  }

  /** A node registered: offer it the job unless it already answered. */
  void onRegistered(NodeSession session) {
    if (!answered(session.nodeId())) {
      send(session);
    }
    ctx.waiter().changed(); // a phase may be waiting for nodes to come back
  }

  private void send(NodeSession session) {
    String taskId = SecureTokens.token();
    open.put(session.nodeId(), taskId);
    ctx.registry().enqueue(session, Task.newBuilder().setTaskId(taskId).setJobId(ctx.jobId())
        .setOffer(JobOffer.newBuilder().setSpec(ctx.spec())).build());
  }

  /** Records a node's answer; {@code reason} explains a decline (blank: "no reason given"). */
  public void answer(NodeSession session, boolean accept, String reason) {
    String node = session.nodeId();
    if (!open.containsKey(node) && !answered(node)) {
      throw DomainException.precondition("job " + ctx.jobId() + " was not offered to node '" + node + "'");
    }
    String why = accept ? null : (reason == null || reason.isBlank() ? "no reason given" : reason);
    store.recordDecision(new NodeDecision(ctx.jobId(), node, accept, why, ctx.waiter().now()));
    open.remove(node);
    record(node, accept, why);
    observer.offerAnswered(ctx.jobId(), node, accept, why);
    LOG.info(() -> "node " + node + (accept ? " accepted job " + ctx.jobId() : " declined job " + ctx.jobId() + ": " + why));
    ctx.waiter().changed();
  }

  private void record(String node, boolean accept, String why) {
    if (accept) {
      accepted.add(node);
      declined.remove(node);
    } else {
      accepted.remove(node);
      declined.put(node, why == null ? "no reason given" : why);
    }
  }

  /**
   * Offers the job to every live node that has neither answered nor got the offer at registration,
   * and waits for the window to settle it.
   *
   * @throws JobFailure when the window closes with fewer than {@code min_nodes} acceptances
   */
  void awaitQuorum() throws JobFailure, InterruptedException {
    Instant windowEnd = ctx.roundDeadline();
    ctx.waiter().until(this::settled, windowEnd);
    if (accepted.size() < ctx.spec().getMinNodes()) {
      throw new JobFailure(windowClosedReason());
    }
    LOG.info(() -> "job " + ctx.jobId() + " starts with " + accepted.size() + " accepting nodes");
  }

  /**
   * Whether the job can start before the window closes: enough acceptances and every live node
   * answered. Also offers the job to live nodes that have neither an answer nor an open offer (a
   * node whose heartbeat was late when the window opened), since no event announces them.
   */
  private boolean settled() {
    boolean allAnswered = true;
    for (NodeSession s : ctx.registry().liveSessions()) {
      if (!answered(s.nodeId())) {
        allAnswered = false;
        if (!open.containsKey(s.nodeId())) {
          send(s);
        }
      }
    }
    return allAnswered && accepted.size() >= ctx.spec().getMinNodes();
  }

  private String windowClosedReason() {
    long seconds = Duration.ofMillis(ctx.spec().getRoundTimeoutMs()).toSeconds();
    StringBuilder b = new StringBuilder("offer window of " + seconds + " s closed with " + accepted.size()
        + " acceptances, min_nodes is " + ctx.spec().getMinNodes());
    Map<String, String> byNode = new TreeMap<>(declined);
    if (!byNode.isEmpty()) {
      b.append("; declined: ").append(byNode.entrySet().stream().map(e -> e.getKey() + ": " + shorten(e.getValue()))
          .collect(Collectors.joining("; ")));
    }
    List<String> silent = new ArrayList<>(new TreeMap<>(open).keySet());
    if (!silent.isEmpty()) {
      b.append("; no answer from ").append(String.join(", ", silent));
    }
    if (byNode.isEmpty() && silent.isEmpty()) {
      b.append("; no node was connected");
    }
    return b.toString();
  }

  /** A decline reason short enough that many fit in a job's failure reason. */
  private static String shorten(String reason) {
    return reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS - 3) + "...";
  }

  /** The live nodes that accepted the job, sorted by node id. */
  List<NodeSession> liveAccepted() {
    return ctx.registry().liveSessions().stream().filter(s -> accepted.contains(s.nodeId())).toList();
  }

  /** Waits until at least {@code min_nodes} accepting nodes are live, or the deadline; returns those live then. */
  List<NodeSession> awaitLiveAccepted(Instant deadline) throws InterruptedException {
    ctx.waiter().until(() -> liveAccepted().size() >= ctx.spec().getMinNodes(), deadline);
    return liveAccepted();
  }
}
