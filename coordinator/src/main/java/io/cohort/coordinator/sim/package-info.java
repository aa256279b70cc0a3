/** Simulated federations on one machine: a coordinator and nodes as separate processes over loopback TCP. */
package io.cohort.coordinator.sim;
