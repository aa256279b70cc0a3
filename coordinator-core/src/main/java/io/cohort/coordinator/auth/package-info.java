/** Role-scoped bearer tokens for the admin API, stored as SHA-256 hashes only. */
package io.cohort.coordinator.auth;
