-- Conversations and the inbound messages already processed (to process each once).
CREATE TABLE sessions (
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (channel, user_id)
) WITHOUT ROWID;

CREATE TABLE inbound (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (channel, external_id)
) WITHOUT ROWID;

CREATE INDEX inbound_received_at ON inbound (received_at);
