/** The admin REST API under {@code /api/v1}: jobs, rounds and nodes, behind a bearer token. */
package io.cohort.coordinator.rest;
