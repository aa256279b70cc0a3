/** What nodes co-sign about a federated model: the global model each received, per job terms and round (issue 21 #6). */
package io.cohort.crypto.provenance;
