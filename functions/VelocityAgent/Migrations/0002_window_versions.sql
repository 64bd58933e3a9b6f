-- A version per window, incremented by every write: a process keeps the windows it wrote and re-reads only those
-- another process changed since. Free space per page lets Postgres update a window in place (a HOT update: no new
-- primary-key entry), which every batch does for most of its users.
ALTER TABLE velocity_agent.velocity_windows
    ADD COLUMN version bigint NOT NULL DEFAULT 0,
    SET (fillfactor = 50);
