/** The node's privacy policy: DP-SGD plans from a job's privacy block, per-dataset budgets and signed ledgers. */
package io.cohort.client.privacy;
