/** The gRPC edge: a thin adapter from {@code cohort.v1.NodeService} to the domain, and status mapping. */
package io.cohort.coordinator.grpc;
