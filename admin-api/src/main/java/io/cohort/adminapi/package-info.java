/** The JSON records of the admin REST API (docs/admin-api.md), shared by the coordinator that serves them and the CLI that reads them. */
package io.cohort.adminapi;
