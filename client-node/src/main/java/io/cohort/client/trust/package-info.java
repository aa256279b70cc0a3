/** The node's own checks of the peers a coordinator puts in its secure rounds: certificates, revocation, roster. */
package io.cohort.client.trust;
