-- Several workers (PostgreSQL) add to the statistics' counters in every batch, and to the
-- outbox's waiting count with every message queued or sent. With one row per counter, two
-- workers' batches touching the same counter (the main menu's, today's conversations) wait
-- for each other's COMMIT: the end of every batch went one worker at a time. A counter is
-- now the sum of a few rows ("shards"): a batch adds to one shard, chosen at random on
-- PostgreSQL (bot/stats/count.py), so two batches rarely meet. SQLite serves one process:
-- it keeps shard 0 and one row for the outbox's count. The readers sum (they already did).
CREATE TABLE stats_nodes_sharded (
    day                TEXT NOT NULL,
    flow               TEXT NOT NULL,
    node               TEXT NOT NULL,
    lang               TEXT NOT NULL,
    channel            TEXT NOT NULL,
    reached            INTEGER NOT NULL DEFAULT 0,
    answered           INTEGER NOT NULL DEFAULT 0,
    left_here          INTEGER NOT NULL DEFAULT 0,
    reprompted         INTEGER NOT NULL DEFAULT 0,
    asked_for_a_person INTEGER NOT NULL DEFAULT 0,
    yes                INTEGER NOT NULL DEFAULT 0,
    no                 INTEGER NOT NULL DEFAULT 0,
    shard              INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, flow, node, lang, channel, shard)
) WITHOUT ROWID;

INSERT INTO stats_nodes_sharded (day, flow, node, lang, channel, reached, answered, left_here,
    reprompted, asked_for_a_person, yes, no)
SELECT day, flow, node, lang, channel, reached, answered, left_here, reprompted,
    asked_for_a_person, yes, no
FROM stats_nodes;

DROP TABLE stats_nodes;

ALTER TABLE stats_nodes_sharded RENAME TO stats_nodes;

CREATE TABLE stats_people_sharded (
    day           TEXT NOT NULL,
    lang          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    conversations INTEGER NOT NULL DEFAULT 0,
    languages     INTEGER NOT NULL DEFAULT 0,
    handoffs      INTEGER NOT NULL DEFAULT 0,
    shard         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, lang, channel, shard)
) WITHOUT ROWID;

INSERT INTO stats_people_sharded (day, lang, channel, conversations, languages, handoffs)
SELECT day, lang, channel, conversations, languages, handoffs FROM stats_people;

DROP TABLE stats_people;

ALTER TABLE stats_people_sharded RENAME TO stats_people;

CREATE TABLE stats_unmatched_sharded (
    day    TEXT NOT NULL,
    flow   TEXT NOT NULL,
    node   TEXT NOT NULL,
    lang   TEXT NOT NULL,
    phrase TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    shard  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, flow, node, lang, phrase, shard)
) WITHOUT ROWID;

INSERT INTO stats_unmatched_sharded (day, flow, node, lang, phrase, count)
SELECT day, flow, node, lang, phrase, count FROM stats_unmatched;

DROP TABLE stats_unmatched;

ALTER TABLE stats_unmatched_sharded RENAME TO stats_unmatched;
