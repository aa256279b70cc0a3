/** Long-term Ed25519 identity keys of nodes: generation, storage, signing and verification. */
package io.cohort.crypto.keys;
