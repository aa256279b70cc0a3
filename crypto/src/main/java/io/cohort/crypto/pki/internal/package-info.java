/** BouncyCastle-backed X.509, PKCS#10 and CRL encoding; not API. */
package io.cohort.crypto.pki.internal;
