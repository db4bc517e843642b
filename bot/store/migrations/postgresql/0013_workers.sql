-- (PostgreSQL dialect of ../0013_workers.sql, plus the recipient's lock in the outbox's
-- triggers, which only several writers at once need.)
-- Several `relais serve` workers on one database (issue 19).
--
-- An outbox row is claimed by the worker that sends it, for a lease: another worker skips
-- it while the lease runs, and takes it again once it has run out (the worker died).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until DOUBLE PRECISION;

-- One holder at a time for the jobs that must run once across workers (the reminders'
-- scheduler, the Telegram sender): whoever holds the row until `until` runs it.
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  DOUBLE PRECISION NOT NULL
);

-- The head mark (0012) is right only if two transactions never change one recipient's rows
-- at once: each would miss the other's uncommitted row (a message queued while the head is
-- being deleted would never become head). The triggers first take the recipient's lock, the
-- same transaction-scoped advisory lock the service takes on a person (bot/store/locks.py);
-- each statement after it sees what the previous holder committed.
CREATE OR REPLACE FUNCTION outbox_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(new.channel || ':' || new.user_id, 0));
    UPDATE outbox SET head = 1 WHERE id = new.id AND NOT EXISTS (
        SELECT 1 FROM outbox
        WHERE channel = new.channel AND user_id = new.user_id AND id < new.id
    );
    UPDATE outbox_size SET waiting = waiting + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION outbox_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(old.channel || ':' || old.user_id, 0));
    UPDATE outbox SET head = 1 WHERE old.head = 1 AND id = (
        SELECT MIN(id) FROM outbox WHERE channel = old.channel AND user_id = old.user_id
    );
    UPDATE outbox_size SET waiting = waiting - 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
