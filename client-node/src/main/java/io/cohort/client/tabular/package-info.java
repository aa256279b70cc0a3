/** Tabular classification on a node: schema, CSV loading, stratified split, feature encoding and an ND4J multilayer perceptron whose weights travel as a {@link io.cohort.wire.TensorBundle}. */
package io.cohort.client.tabular;
