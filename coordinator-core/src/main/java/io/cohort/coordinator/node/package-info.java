/** Connected nodes: sessions, liveness from heartbeats, and each node's queue of pending tasks. */
package io.cohort.coordinator.node;
