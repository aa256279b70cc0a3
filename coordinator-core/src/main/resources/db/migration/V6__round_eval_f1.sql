-- F1 of the positive class at threshold 0.5 of each round's pooled evaluation, from the same score
-- histograms as eval_roc_auc (null for rounds evaluated before it existed, or with odd bins).
-- V6, not V5: another branch adds V5__node_declared_budgets.sql.
ALTER TABLE rounds ADD COLUMN eval_f1 DOUBLE PRECISION;
