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

-- The outbox's waiting count: 16 rows, each connection adding to the one of its server
-- process (the batch that queues and the sender that deletes rarely share it); /healthz
-- sums them (bot/outbox.py).
ALTER TABLE outbox_size DROP CONSTRAINT outbox_size_id_check;
INSERT INTO outbox_size (id, waiting)
SELECT shard, 0 FROM generate_series(0, 15) AS shard WHERE shard <> 1;

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
    UPDATE outbox_size SET waiting = waiting - 1 WHERE id = pg_backend_pid() % 16;
    RETURN NULL;
END;
$$;
