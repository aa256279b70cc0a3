-- Role-scoped bearer tokens, the hash-chained audit log and the privacy ledger entries nodes upload.
-- Portable SQL: runs on H2 (embedded default) and PostgreSQL (production).

-- Bearer tokens for the admin API. Only the SHA-256 of a token is stored; the token itself is shown
-- once, when it is created.
CREATE TABLE api_tokens (
    token_id      VARCHAR(32)   NOT NULL PRIMARY KEY,
    name          VARCHAR(128)  NOT NULL,
    role          VARCHAR(16)   NOT NULL,
    token_sha256  VARCHAR(64)   NOT NULL UNIQUE,
    created_by    VARCHAR(200)  NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Append-only audit log. Each entry carries the hash of the previous entry; hash is the SHA-256 of
-- the canonical encoding of every other column (see io.cohort.coordinator.audit.AuditEntry).
-- seq has no gaps: a deleted row shows as a missing number.
CREATE TABLE audit_log (
    seq          BIGINT        NOT NULL PRIMARY KEY,
    occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    actor        VARCHAR(200)  NOT NULL,
    action       VARCHAR(64)   NOT NULL,
    job_id       VARCHAR(64),
    round        INTEGER,
    node_id      VARCHAR(128),
    detail       VARCHAR(8000) NOT NULL,
    prev_hash    VARCHAR(64)   NOT NULL,
    hash         VARCHAR(64)   NOT NULL
);

-- Privacy ledger entries received from nodes (one per dataset and release), as the node signed them.
-- epsilon_after is the dataset's cumulative spend after the entry (the node's accountant, not a sum);
-- budget_epsilon is the budget the node declared for the dataset, when it declared one.
CREATE TABLE privacy_ledger (
    node_id      VARCHAR(128)  NOT NULL,
    dataset      VARCHAR(128)  NOT NULL,
    entry_seq    BIGINT        NOT NULL,
    job_id       VARCHAR(64),
    round        INTEGER,
    epsilon_after DOUBLE PRECISION NOT NULL,
    delta        DOUBLE PRECISION NOT NULL,
    budget_epsilon DOUBLE PRECISION,
    entry_sha256 VARCHAR(64)   NOT NULL,
    received_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (node_id, dataset, entry_seq)
);
