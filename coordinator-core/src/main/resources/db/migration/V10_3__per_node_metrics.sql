-- Issue 23 #7: what the ROC and precision-recall curves of a round are drawn from, and each node's own
-- evaluation. The pooled score histograms of the positive class, split by true class, as the sparse text
-- "BINS:i=count,i=count,..." (null for rounds evaluated before they were kept, and for jobs without them).
ALTER TABLE rounds ADD COLUMN eval_positive_histogram VARCHAR(1000000);
ALTER TABLE rounds ADD COLUMN eval_negative_histogram VARCHAR(1000000);

-- Each node's metrics on its own validation split, computed by the coordinator from the result the node sent
-- for the round's pooled evaluation. released says what that result was: 'exact' (a job without DP, or with
-- public validation data) or 'noised' (the node's DP noise was added before it left, and the node charged it
-- to its ledger as an evaluation entry). A distributed-DP job's nodes withhold their results: no rows.
CREATE TABLE round_node_evaluations (
    job_id      VARCHAR(64)   NOT NULL REFERENCES jobs (job_id),
    round       INTEGER       NOT NULL,
    node_id     VARCHAR(128)  NOT NULL,
    examples    BIGINT        NOT NULL,
    loss        DOUBLE PRECISION,
    accuracy    DOUBLE PRECISION,
    roc_auc     DOUBLE PRECISION,
    pr_auc      DOUBLE PRECISION,
    f1          DOUBLE PRECISION,
    rmse        DOUBLE PRECISION,
    mae         DOUBLE PRECISION,
    r2          DOUBLE PRECISION,
    released    VARCHAR(16)   NOT NULL,
    PRIMARY KEY (job_id, round, node_id)
);
