/** The node's durable, hash-chained, signed, write-ahead privacy ledger: one append-only file per dataset. */
package io.cohort.crypto.ledger;
