/** Local work for a job: checking an offer against local data, training a round, evaluating a model. */
package io.cohort.client.job;
