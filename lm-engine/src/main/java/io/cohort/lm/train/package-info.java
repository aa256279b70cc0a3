/** Fine-tuning loops for language models: tasks, optimisers, DP-SGD with per-example clipping, metrics. */
package io.cohort.lm.train;
