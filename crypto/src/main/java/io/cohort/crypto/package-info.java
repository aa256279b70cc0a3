/** Cryptographic building blocks shared by nodes and coordinator: digests and secure random tokens. */
package io.cohort.crypto;
