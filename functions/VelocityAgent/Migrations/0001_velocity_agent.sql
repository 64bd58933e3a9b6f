-- Agent 2's own schema: it may share a database (mydb, beside public.transactions) with other agents.
CREATE SCHEMA IF NOT EXISTS velocity_agent;

-- One row per user: the user's transactions within 60 s of the newest, by created_at (µs since 1970, as
-- bigint because the window is rewritten every batch and integers are cheaper to parse than timestamps).
CREATE TABLE velocity_agent.velocity_windows (
    user_id         bigint      PRIMARY KEY,
    transaction_ids bigint[]    NOT NULL DEFAULT '{}',
    created_at_us   bigint[]    NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The alerts, and the outbox that publishes them: published_at stays null until they are on the alerts topic.
CREATE TABLE velocity_agent.alerts (
    alert_id       text          PRIMARY KEY,
    sequence       bigint        GENERATED ALWAYS AS IDENTITY UNIQUE,
    user_id        bigint        NOT NULL,
    transaction_id bigint        NOT NULL,
    amount         numeric(10,2) NOT NULL,
    score          integer       NOT NULL,
    velocity       integer       NOT NULL,
    created_at     timestamp     NOT NULL,
    topic          text          NOT NULL,
    partition      integer       NOT NULL,
    "offset"       bigint        NOT NULL,
    message        jsonb         NOT NULL,
    detected_at    timestamptz   NOT NULL DEFAULT now(),
    published_at   timestamptz
);

CREATE INDEX alerts_unpublished ON velocity_agent.alerts (sequence) WHERE published_at IS NULL;

-- The highest offset applied per partition, written in the same transaction as the windows it produced.
CREATE TABLE velocity_agent.applied_offsets (
    topic          text    NOT NULL,
    partition      integer NOT NULL,
    applied_offset bigint  NOT NULL,
    PRIMARY KEY (topic, partition)
);

CREATE TABLE velocity_agent.dead_letters (
    topic            text        NOT NULL,
    partition        integer     NOT NULL,
    "offset"         bigint      NOT NULL,
    key              bytea,
    value            bytea,
    reason           text        NOT NULL,
    dead_lettered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, "offset")
);
