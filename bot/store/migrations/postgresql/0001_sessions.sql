-- Conversations and the inbound messages already processed (to process each once).
-- (PostgreSQL dialect of ../0001_sessions.sql; state is json so that `state ->> 'key'` reads it.)
CREATE TABLE sessions (
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    state      JSON NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel, user_id)
);

CREATE TABLE inbound (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel, external_id)
);

CREATE INDEX inbound_received_at ON inbound (received_at);
