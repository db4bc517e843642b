-- Hand-off to people: organisations, their mediators and places, tickets and their messages,
-- the web inbox's sign-in sessions, and the outbox of messages Relais sends later.
CREATE TABLE organisations (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    telegram_chat INTEGER UNIQUE
);

-- The places an organisation answers for, by place key (`source:id` of the places table).
CREATE TABLE organisation_places (
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    place           TEXT NOT NULL,
    PRIMARY KEY (organisation_id, place)
) WITHOUT ROWID;

CREATE INDEX organisation_places_place ON organisation_places (place);

CREATE TABLE mediators (
    id              INTEGER PRIMARY KEY,
    login           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    password_hash   TEXT NOT NULL,
    created_at      REAL NOT NULL
);

-- Signed-in browsers: only a hash of the cookie's token is kept.
CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    mediator_id INTEGER NOT NULL REFERENCES mediators (id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    expires_at  REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE login_failures (
    login  TEXT NOT NULL,
    at     REAL NOT NULL
);

CREATE INDEX login_failures_login ON login_failures (login, at);

-- status: open (waiting), claimed (a mediator took it), left (the resident went back to the
-- bot), closed. The summary is French text, written once when the ticket opens.
CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    place           TEXT NOT NULL,
    place_name      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    lang            TEXT NOT NULL,
    topic           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open',
    claimed_by      TEXT NOT NULL DEFAULT '',
    helped          INTEGER,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    closed_at       REAL
);

CREATE INDEX tickets_organisation ON tickets (organisation_id, status, created_at);

CREATE INDEX tickets_resident ON tickets (channel, user_id);

-- author: resident, mediator or relais (what the bot itself noted on the ticket).
-- delivery: for a mediator's message, where it is in the outbox: queued, sent or failed.
CREATE TABLE ticket_messages (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author    TEXT NOT NULL,
    name      TEXT NOT NULL DEFAULT '',
    text      TEXT NOT NULL,
    at        REAL NOT NULL,
    delivery  TEXT NOT NULL DEFAULT '',
    error     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

-- The bot's posts about a ticket in an organisation's Telegram chat: a mediator's reply to
-- one of them is an answer to that ticket.
CREATE TABLE telegram_posts (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;

-- Messages to send later, kept until sent: to a resident (channel, user_id) or to a
-- mediators' chat (channel 'telegram-chat'). payload: JSON of the replies.
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    channel           TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    payload           TEXT NOT NULL,
    ticket_id         INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    ticket_message_id INTEGER REFERENCES ticket_messages (id) ON DELETE CASCADE,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_at           REAL NOT NULL,
    error             TEXT NOT NULL DEFAULT '',
    created_at        REAL NOT NULL
);

CREATE INDEX outbox_due ON outbox (channel, next_at);
