-- (PostgreSQL dialect of ../0006_stats.sql.)
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
    reached            BIGINT NOT NULL DEFAULT 0,
    answered           BIGINT NOT NULL DEFAULT 0,
    left_here          BIGINT NOT NULL DEFAULT 0,
    reprompted         BIGINT NOT NULL DEFAULT 0,
    asked_for_a_person BIGINT NOT NULL DEFAULT 0,
    yes                BIGINT NOT NULL DEFAULT 0,
    no                 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, flow, node, lang, channel)
);

-- Conversations started and hand-offs, per day, language and channel.
CREATE TABLE stats_people (
    day           TEXT NOT NULL,
    lang          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    conversations BIGINT NOT NULL DEFAULT 0,
    languages     BIGINT NOT NULL DEFAULT 0,
    handoffs      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, lang, channel)
);

-- Tickets per day, organisation and place (by name, as they were that day).
CREATE TABLE stats_tickets (
    day            TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    place          TEXT NOT NULL,
    place_name     TEXT NOT NULL,
    opened         BIGINT NOT NULL DEFAULT 0,
    claimed        BIGINT NOT NULL DEFAULT 0,
    closed         BIGINT NOT NULL DEFAULT 0,
    never_answered BIGINT NOT NULL DEFAULT 0,
    asked_if_helped BIGINT NOT NULL DEFAULT 0,
    helped_yes     BIGINT NOT NULL DEFAULT 0,
    helped_no      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, organisation, place)
);

-- One row per ticket's first answer by a mediator: how long the resident waited.
CREATE TABLE stats_reply_times (
    day          TEXT NOT NULL,
    organisation TEXT NOT NULL,
    place        TEXT NOT NULL,
    seconds      DOUBLE PRECISION NOT NULL
);

CREATE INDEX stats_reply_times_day ON stats_reply_times (day);

-- What residents typed that matched no choice, masked and folded (digits become #).
CREATE TABLE stats_unmatched (
    day    TEXT NOT NULL,
    flow   TEXT NOT NULL,
    node   TEXT NOT NULL,
    lang   TEXT NOT NULL,
    phrase TEXT NOT NULL,
    count  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, flow, node, lang, phrase)
);

-- Bookkeeping of the counters (e.g. up to when idle conversations were counted as left).
CREATE TABLE stats_meta (
    key   TEXT PRIMARY KEY,
    value DOUBLE PRECISION NOT NULL
);

-- Who may see the figures page: 'mediator' (their organisation's hand-offs) or 'operator'.
ALTER TABLE mediators ADD COLUMN role TEXT NOT NULL DEFAULT 'mediator';
