-- Issue 21 #6: each contributing node's signed receipt of the global model it received for a round
-- (io.cohort.crypto.provenance.ModelReceipt), kept for the export manifest, with the certificate (DER, base64) the
-- node registered with (null in plaintext development mode). One row per job, round and node; a
-- retried attempt replaces it. Versioned 9.21 so that it cannot collide with another branch's V9.
-- Portable SQL: H2 and PostgreSQL.
CREATE TABLE model_receipts (
    job_id          VARCHAR(64)  NOT NULL,
    round           INTEGER      NOT NULL,
    node_id         VARCHAR(128) NOT NULL,
    terms_sha256    VARCHAR(64)  NOT NULL,
    model_sha256    VARCHAR(64)  NOT NULL,
    signature_hex   VARCHAR(128) NOT NULL,
    certificate_b64 VARCHAR(16384),
    received_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (job_id, round, node_id)
);
