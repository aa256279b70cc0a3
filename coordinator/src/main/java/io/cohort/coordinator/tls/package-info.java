/** Transport security at the coordinator's edge: mutual TLS identities for gRPC calls, enrolment over gRPC, the PKI admin API. */
package io.cohort.coordinator.tls;
