-- A version per profile, incremented by every write: a process keeps the profiles it wrote and re-reads only those
-- another process changed since. Amounts as integer cents: each batch slices and appends most users' arrays in
-- Postgres, which costs a fraction for fixed-width bigint of what it costs for numeric. Free space per page lets
-- Postgres update a profile in place (a HOT update: no new primary-key entry).
ALTER TABLE anomaly_agent.spending_profiles
    ADD COLUMN version bigint NOT NULL DEFAULT 0,
    ADD COLUMN amount_cents bigint[] NOT NULL DEFAULT '{}',
    SET (fillfactor = 50);

UPDATE anomaly_agent.spending_profiles
SET amount_cents = ARRAY(SELECT round(a * 100)::bigint FROM unnest(amounts) WITH ORDINALITY AS u(a, n) ORDER BY n);

ALTER TABLE anomaly_agent.spending_profiles DROP COLUMN amounts;
