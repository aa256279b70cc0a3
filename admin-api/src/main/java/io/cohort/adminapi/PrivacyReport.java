package io.cohort.adminapi;

import java.util.List;

/** {@code GET /api/v1/privacy}: spend per node and dataset, and the entries behind it. */
public record PrivacyReport(List<PrivacySpend> spend, List<PrivacyEntry> entries) {}
