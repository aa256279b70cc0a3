/** Differential privacy: validated parameters, RDP and PLD accountants, calibration and secure noise. */
package io.cohort.crypto.dp;
