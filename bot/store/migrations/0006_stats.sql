-- Anonymous counters for operators and funders (bot/stats/): no phone number, no Telegram
-- id, no ticket code, no message text (beyond unmatched short phrases, masked). They are
-- kept when conversations and tickets go, and an erasure leaves them as they are.

-- Per day (Paris time), flow, node, language and channel.
CREATE TABLE stats_nodes (
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
    PRIMARY KEY (day, flow, node, lang, channel)
) WITHOUT ROWID;

-- Conversations started and hand-offs, per day, language and channel.
CREATE TABLE stats_people (
    day           TEXT NOT NULL,
    lang          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    conversations INTEGER NOT NULL DEFAULT 0,
    languages     INTEGER NOT NULL DEFAULT 0,
    handoffs      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, lang, channel)
) WITHOUT ROWID;

-- Tickets per day, organisation and place (by name, as they were that day).
CREATE TABLE stats_tickets (
    day            TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    place          TEXT NOT NULL,
    place_name     TEXT NOT NULL,
    opened         INTEGER NOT NULL DEFAULT 0,
    claimed        INTEGER NOT NULL DEFAULT 0,
    closed         INTEGER NOT NULL DEFAULT 0,
    never_answered INTEGER NOT NULL DEFAULT 0,
    asked_if_helped INTEGER NOT NULL DEFAULT 0,
    helped_yes     INTEGER NOT NULL DEFAULT 0,
    helped_no      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, organisation, place)
) WITHOUT ROWID;

-- One row per ticket's first answer by a mediator: how long the resident waited.
CREATE TABLE stats_reply_times (
    day          TEXT NOT NULL,
    organisation TEXT NOT NULL,
    place        TEXT NOT NULL,
    seconds      REAL NOT NULL
);

CREATE INDEX stats_reply_times_day ON stats_reply_times (day);

-- What residents typed that matched no choice, masked and folded (digits become #).
CREATE TABLE stats_unmatched (
    day    TEXT NOT NULL,
    flow   TEXT NOT NULL,
    node   TEXT NOT NULL,
    lang   TEXT NOT NULL,
    phrase TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, flow, node, lang, phrase)
) WITHOUT ROWID;

-- Bookkeeping of the counters (e.g. up to when idle conversations were counted as left).
CREATE TABLE stats_meta (
    key   TEXT PRIMARY KEY,
    value REAL NOT NULL
) WITHOUT ROWID;

-- Who may see the figures page: 'mediator' (their organisation's hand-offs) or 'operator'.
ALTER TABLE mediators ADD COLUMN role TEXT NOT NULL DEFAULT 'mediator';
