/** Implementation of secure aggregation (X25519, HKDF, AES-GCM, Shamir, AES-CTR masks, quantisation); not API. */
package io.cohort.crypto.secagg.internal;
