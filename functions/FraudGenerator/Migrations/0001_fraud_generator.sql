-- The seeds' table (Activity 3), as their producer writes it; the capture streams it to fraud-detection.public.transactions.
CREATE TABLE IF NOT EXISTS transactions (
    id         serial        PRIMARY KEY,
    user_id    integer       NOT NULL,
    amount     numeric(10,2) NOT NULL,
    created_at timestamp     NOT NULL DEFAULT now()
);

-- Ground truth, apart from the seeds' table: the transaction that closes each injected scenario, what it was, and
-- whether it is fraud (the decoys near the agents' thresholds are not). Rows without a label are ordinary spending.
CREATE SCHEMA IF NOT EXISTS fraud_generator;

CREATE TABLE IF NOT EXISTS fraud_generator.fraud_labels (
    transaction_id integer PRIMARY KEY,
    user_id        integer NOT NULL,
    pattern        text    NOT NULL,
    is_fraud       boolean NOT NULL
);

-- Where the generator stands, so that its rate holds across ticks, restarts and instances: rows due since started_at
-- at the rate, minus rows_written, are written by the next tick.
CREATE TABLE IF NOT EXISTS fraud_generator.progress (
    id           integer     PRIMARY KEY CHECK (id = 1),
    started_at   timestamptz NOT NULL,
    rows_written bigint      NOT NULL,
    scenarios    bigint      NOT NULL
);
