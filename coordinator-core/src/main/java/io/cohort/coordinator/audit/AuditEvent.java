package io.cohort.coordinator.audit;

/**
 * Something to record in the audit log.
 *
 * @param actor who did it: a token's identity ({@code token:NAME (ID)}), {@code system} for the
 *     round loop, {@code node:ID} for a node's own actions, or {@code local:USER} for the local CLI;
 *     never a secret
 * @param action a dotted verb such as {@code job.submitted} or {@code node.declined}
 * @param jobId the job concerned, or null
 * @param round the round concerned, or null
 * @param nodeId the node concerned, or null
 * @param detail free text (reasons, counts, digests); never a token, key or raw record
 */
public record AuditEvent(String actor, String action, String jobId, Integer round, String nodeId, String detail) {
  public static final String SYSTEM = "system";

  public AuditEvent {
    if (actor == null || actor.isBlank() || action == null || action.isBlank()) {
      throw new IllegalArgumentException("an audit event needs an actor and an action");
    }
    detail = detail == null ? "" : detail;
  }

  public static AuditEvent system(String action, String jobId, Integer round, String nodeId, String detail) {
    return new AuditEvent(SYSTEM, action, jobId, round, nodeId, detail);
  }
}
