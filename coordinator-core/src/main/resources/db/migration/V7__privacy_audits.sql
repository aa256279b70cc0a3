-- What each node's one-run privacy audit of a job found (issue 20): counts and the lower bound on
-- epsilon only, as the node reported it with its latest evaluation (one row per job and node,
-- replaced by each newer report). The canaries and their coins never leave the node.
-- accounted_epsilon is null for a job without DP. Portable SQL: H2 and PostgreSQL.
CREATE TABLE privacy_audits (
    job_id              VARCHAR(64)      NOT NULL,
    node_id             VARCHAR(128)     NOT NULL,
    round               INTEGER          NOT NULL,
    steps               BIGINT           NOT NULL,
    canaries            INTEGER          NOT NULL,
    guesses             INTEGER          NOT NULL,
    correct             INTEGER          NOT NULL,
    epsilon_lower_bound DOUBLE PRECISION NOT NULL,
    delta               DOUBLE PRECISION NOT NULL,
    confidence          DOUBLE PRECISION NOT NULL,
    accounted_epsilon   DOUBLE PRECISION,
    reported_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (job_id, node_id)
);
