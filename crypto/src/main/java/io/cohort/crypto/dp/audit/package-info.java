/** Empirical privacy auditing: the one-run lower bound on epsilon (Steinke, Nasr, Jagielski 2023). */
package io.cohort.crypto.dp.audit;
