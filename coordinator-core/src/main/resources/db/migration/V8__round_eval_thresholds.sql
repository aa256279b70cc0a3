-- Issue 23 #3: more of each round's pooled evaluation, from the same score histograms as
-- eval_roc_auc: the precision-recall AUC (average precision), precision and recall of the positive
-- class at threshold 0.5 (eval_f1's threshold), and the bin edge that maximises F1 with that F1.
-- Null for rounds evaluated before they existed.
ALTER TABLE rounds ADD COLUMN eval_pr_auc DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN eval_precision DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN eval_recall DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN eval_best_threshold DOUBLE PRECISION;
ALTER TABLE rounds ADD COLUMN eval_best_f1 DOUBLE PRECISION;
