/** Dropout-tolerant, actively secure aggregation (Bonawitz et al., CCS 2017): parameters, typed stage messages, node and coordinator state machines. */
package io.cohort.crypto.secagg;
