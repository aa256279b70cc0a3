/** The node's YAML configuration, loaded once and checked before anything connects. */
package io.cohort.client.config;
