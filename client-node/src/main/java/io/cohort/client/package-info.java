/** The Cohort node: runs beside a data owner's data and talks to the coordinator outbound only. */
package io.cohort.client;
