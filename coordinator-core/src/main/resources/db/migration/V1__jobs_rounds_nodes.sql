-- Jobs, node decisions, completed rounds and known nodes.
-- Portable SQL: runs on H2 (embedded default) and PostgreSQL (production).

CREATE TABLE jobs (
    job_id            VARCHAR(64)     NOT NULL PRIMARY KEY,
    name              VARCHAR(200)    NOT NULL,
    spec_json         VARCHAR(1000000) NOT NULL,
    state             VARCHAR(16)     NOT NULL,
    total_rounds      INTEGER         NOT NULL,
    completed_rounds  INTEGER         NOT NULL,
    failure_reason    VARCHAR(4000),
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A node's answer to a job offer. Accepted nodes take part in the job's rounds.
CREATE TABLE job_nodes (
    job_id      VARCHAR(64)   NOT NULL REFERENCES jobs (job_id),
    node_id     VARCHAR(128)  NOT NULL,
    accepted    BOOLEAN       NOT NULL,
    reason      VARCHAR(4000),
    decided_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (job_id, node_id)
);

-- One row per completed round: written in the same transaction that advances
-- jobs.completed_rounds, so a round is either fully recorded or not at all.
CREATE TABLE rounds (
    job_id          VARCHAR(64)   NOT NULL REFERENCES jobs (job_id),
    round           INTEGER       NOT NULL,
    attempt         INTEGER       NOT NULL,
    participants    VARCHAR(100000) NOT NULL,
    contributors    VARCHAR(100000) NOT NULL,
    num_examples    BIGINT        NOT NULL,
    model_id        VARCHAR(200)  NOT NULL,
    model_sha256    VARCHAR(64)   NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    eval_nodes      INTEGER,
    eval_examples   BIGINT,
    eval_loss       DOUBLE PRECISION,
    eval_accuracy   DOUBLE PRECISION,
    eval_roc_auc    DOUBLE PRECISION,
    PRIMARY KEY (job_id, round)
);

CREATE TABLE nodes (
    node_id           VARCHAR(128)  NOT NULL PRIMARY KEY,
    software_version  VARCHAR(100)  NOT NULL,
    datasets          VARCHAR(4000) NOT NULL,
    first_seen        TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen         TIMESTAMP WITH TIME ZONE NOT NULL
);
