-- Privacy budgets as nodes declare them when they register: one row per node and dataset alias,
-- replaced at each registration. Display only: a node's budget lives in its own node.yaml and is
-- enforced by the node alone; the coordinator can neither set nor change it.
-- Portable SQL: runs on H2 (embedded default) and PostgreSQL (production).
CREATE TABLE node_declared_budgets (
    node_id         VARCHAR(128)     NOT NULL,
    dataset         VARCHAR(64)      NOT NULL,
    epsilon_budget  DOUBLE PRECISION NOT NULL,
    delta           DOUBLE PRECISION NOT NULL,
    accountant      VARCHAR(32)      NOT NULL,
    reported_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (node_id, dataset)
);
