/** The node daemon: outbound connection, registration, heartbeats, task pulls and reconnection with backoff. */
package io.cohort.client.runtime;
