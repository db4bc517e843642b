-- Several `relais serve` workers on one database (issue 19).
--
-- An outbox row is claimed by the worker that sends it, for a lease: another worker skips
-- it while the lease runs, and takes it again once it has run out (the worker died).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until REAL;

-- One holder at a time for the jobs that must run once across workers (the reminders'
-- scheduler, the Telegram sender): whoever holds the row until `until` runs it.
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  REAL NOT NULL
);
