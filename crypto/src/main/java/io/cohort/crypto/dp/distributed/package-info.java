/** Distributed DP-SGD (Kairouz, Liu and Steinke 2021): parameters, node-side encoder, server-side decoder, accountant. */
package io.cohort.crypto.dp.distributed;
