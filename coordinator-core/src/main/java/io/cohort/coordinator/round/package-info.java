/** The round loop: offers, training and evaluation phases with deadlines, resumable after a restart. */
package io.cohort.coordinator.round;
