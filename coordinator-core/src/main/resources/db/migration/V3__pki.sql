-- Federation PKI: one-time enrolment tokens, certificate requests, issued certificates and
-- revocations. Portable SQL (H2 and PostgreSQL). No private key is ever stored here: requests
-- and certificates hold public keys only, and tokens are stored as SHA-256 hashes.

CREATE TABLE enrolment_tokens (
    token_hash    VARCHAR(64)   NOT NULL PRIMARY KEY,
    node_id       VARCHAR(128)  NOT NULL,
    auto_approve  BOOLEAN       NOT NULL,
    expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at       TIMESTAMP WITH TIME ZONE
);

-- A node's certificate request; state PENDING, ISSUED or REJECTED.
CREATE TABLE enrolment_requests (
    node_id          VARCHAR(128)  NOT NULL,
    csr_fingerprint  VARCHAR(64)   NOT NULL,
    csr_pem          VARCHAR(8000) NOT NULL,
    token_hash       VARCHAR(64)   NOT NULL,
    state            VARCHAR(16)   NOT NULL,
    certificate_pem  VARCHAR(20000),
    submitted_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    decided_at       TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (node_id, csr_fingerprint)
);

CREATE TABLE issued_certificates (
    serial_hex   VARCHAR(64)   NOT NULL PRIMARY KEY,
    node_id      VARCHAR(128)  NOT NULL,
    fingerprint  VARCHAR(64)   NOT NULL,
    not_after    TIMESTAMP WITH TIME ZONE NOT NULL,
    issued_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Revoking a node refuses every certificate issued to it before revoked_at.
CREATE TABLE node_revocations (
    node_id     VARCHAR(128)  NOT NULL PRIMARY KEY,
    revoked_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
