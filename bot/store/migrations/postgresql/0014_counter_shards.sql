-- (PostgreSQL dialect of ../0014_counter_shards.sql, plus the outbox's waiting count in
-- shards, which only several writers at once need.)
-- A counter is the sum of a few rows ("shards"): a batch adds to one shard, chosen at random
-- (bot/stats/count.py), so two workers' batches rarely wait for each other's COMMIT.
ALTER TABLE stats_nodes ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_nodes DROP CONSTRAINT stats_nodes_pkey;
ALTER TABLE stats_nodes ADD PRIMARY KEY (day, flow, node, lang, channel, shard);

ALTER TABLE stats_people ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_people DROP CONSTRAINT stats_people_pkey;
ALTER TABLE stats_people ADD PRIMARY KEY (day, lang, channel, shard);

ALTER TABLE stats_unmatched ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_unmatched DROP CONSTRAINT stats_unmatched_pkey;
ALTER TABLE stats_unmatched ADD PRIMARY KEY (day, flow, node, lang, phrase, shard);

-- The outbox's waiting count in 32 rows: a message queued adds 1 to one of rows 0-15, one
-- sent or dropped takes 1 from one of rows 16-31, each by the connection's server process;
-- /healthz sums them (bot/outbox.py). Two writers rarely share a row, and a sender that
-- deletes never waits on the row of a batch that queued: the batch, holding its row, may be
-- waiting for the recipient's lock the sender holds (a post to the mediators' chat), and
-- with one row for both the two would wait for each other (a deadlock).
ALTER TABLE outbox_size DROP CONSTRAINT outbox_size_id_check;
INSERT INTO outbox_size (id, waiting)
SELECT shard, 0 FROM generate_series(0, 31) AS shard WHERE shard <> 1;

CREATE OR REPLACE FUNCTION outbox_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(new.channel || ':' || new.user_id, 0));
    UPDATE outbox SET head = 1 WHERE id = new.id AND NOT EXISTS (
        SELECT 1 FROM outbox
        WHERE channel = new.channel AND user_id = new.user_id AND id < new.id
    );
    UPDATE outbox_size SET waiting = waiting + 1 WHERE id = pg_backend_pid() % 16;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION outbox_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(old.channel || ':' || old.user_id, 0));
    UPDATE outbox SET head = 1 WHERE old.head = 1 AND id = (
        SELECT MIN(id) FROM outbox WHERE channel = old.channel AND user_id = old.user_id
    );
    UPDATE outbox_size SET waiting = waiting - 1 WHERE id = 16 + pg_backend_pid() % 16;
    RETURN NULL;
END;
$$;
