package io.cohort.adminapi;

import java.util.List;

/** {@code GET /api/v1/jobs/ID}: the job, every node's decision, and its completed rounds. */
public record JobDetail(JobSummary job, List<Decision> nodes, List<RoundView> rounds) {}
