-- Privacy-ledger entries reported by nodes: one row per entry of a node's per-dataset ledger,
-- stored only after its Ed25519 signature verified under the node's identity key. The signed
-- line and the ledger's signed header are kept verbatim so anyone can verify them again.
-- Portable SQL: runs on H2 (embedded default) and PostgreSQL (production).
CREATE TABLE ledger_entries (
    node_id            VARCHAR(128)   NOT NULL,
    dataset_alias      VARCHAR(64)    NOT NULL,
    seq                BIGINT         NOT NULL,
    job_id             VARCHAR(128)   NOT NULL,
    round              BIGINT         NOT NULL,
    mechanism          VARCHAR(64)    NOT NULL,
    sampling_rate      DOUBLE PRECISION NOT NULL,
    noise_multiplier   DOUBLE PRECISION NOT NULL,
    clip_norm          DOUBLE PRECISION NOT NULL,
    steps              BIGINT         NOT NULL,
    accountant         VARCHAR(128)   NOT NULL,
    epsilon_after      DOUBLE PRECISION NOT NULL,
    delta              DOUBLE PRECISION NOT NULL,
    recorded_at_ms     BIGINT         NOT NULL,
    previous_hash      VARCHAR(64)    NOT NULL,
    entry_hash         VARCHAR(64)    NOT NULL,
    signed_line        VARCHAR(4000)  NOT NULL,
    ledger_header      VARCHAR(4000)  NOT NULL,
    received_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (node_id, dataset_alias, seq)
);

CREATE INDEX ledger_entries_job ON ledger_entries (job_id, node_id);
