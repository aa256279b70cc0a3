/** Signed provenance manifests of exported models: the coordinator's signing key, the manifest, its verification. */
package io.cohort.coordinator.provenance;
