-- (PostgreSQL dialect of ../0012_outbox_heads.sql: the triggers are plpgsql functions.)
-- The outbox at constant cost per look, whatever the backlog (issue 19).
--
-- head = 1 marks the oldest queued message of each recipient (the only one that may go
-- next). The worker finds the due heads through a partial index, ordered by due time, so a
-- look reads only the rows it sends, never the whole backlog nor a sort of it. Triggers keep
-- the mark right whoever writes to the table (queueing, sending, erasure, a ticket deleted).
ALTER TABLE outbox ADD COLUMN head BIGINT NOT NULL DEFAULT 0;

UPDATE outbox SET head = 1
WHERE id IN (SELECT MIN(id) FROM outbox GROUP BY channel, user_id);

CREATE INDEX outbox_due_heads ON outbox (channel, next_at) WHERE head = 1;

-- The old index on every row's due time is replaced by the one on heads.
DROP INDEX outbox_due;

-- Messages being retried, for the health check's "most attempts" without reading every row.
CREATE INDEX outbox_retrying ON outbox (attempts) WHERE attempts > 0;

-- How many messages wait, kept by the triggers: the health check reads one row.
CREATE TABLE outbox_size (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    waiting BIGINT NOT NULL
);

INSERT INTO outbox_size (id, waiting) SELECT 1, COUNT(*) FROM outbox;

-- (Identity values only grow, so a new message is its recipient's head when it is their
-- only one.)
CREATE FUNCTION outbox_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE outbox SET head = 1 WHERE id = new.id AND NOT EXISTS (
        SELECT 1 FROM outbox
        WHERE channel = new.channel AND user_id = new.user_id AND id < new.id
    );
    UPDATE outbox_size SET waiting = waiting + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_queued AFTER INSERT ON outbox
FOR EACH ROW EXECUTE FUNCTION outbox_queued();

CREATE FUNCTION outbox_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE outbox SET head = 1 WHERE old.head = 1 AND id = (
        SELECT MIN(id) FROM outbox WHERE channel = old.channel AND user_id = old.user_id
    );
    UPDATE outbox_size SET waiting = waiting - 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_gone AFTER DELETE ON outbox
FOR EACH ROW EXECUTE FUNCTION outbox_gone();
