-- Issue 24: a regression job's pooled evaluation, from each node's sums of squared and absolute errors and of
-- labels: root mean squared error, mean absolute error and R^2, in the label's units. Null for classification
-- jobs and for rounds evaluated before they existed. (Version 9.24: this issue's number, so that migrations
-- written at the same time on other branches do not take the same version.)
ALTER TABLE rounds ADD COLUMN eval_rmse DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN eval_mae DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN eval_r2 DOUBLE PRECISION;
