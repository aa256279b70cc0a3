package io.cohort.adminapi;

import java.util.List;

/**
 * {@code GET /api/v1/jobs/ID}: the job, every node's decision, its completed rounds, and, for a job
 * with {@code privacy.audit}, each node's audited epsilon beside its accounted epsilon.
 */
public record JobDetail(JobSummary job, List<Decision> nodes, List<RoundView> rounds, List<PrivacyAuditView> audits) {}
