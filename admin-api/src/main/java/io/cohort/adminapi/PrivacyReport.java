package io.cohort.adminapi;

import java.util.List;

/**
 * {@code GET /api/v1/privacy}: spend per node and dataset, the entries behind it, and each node's
 * one-run privacy audit per audited job.
 */
public record PrivacyReport(List<PrivacySpend> spend, List<PrivacyEntry> entries, List<PrivacyAuditView> audits) {}
