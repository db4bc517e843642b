-- The WhatsApp 24-hour window, delivery reports from Twilio, and opt-in deadline reminders.

-- When each resident last wrote on each channel (any message reopens WhatsApp's window), and
-- whether a "a reply is waiting for you" template went since (template_at), in which language.
CREATE TABLE channel_windows (
    channel       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    last_inbound  REAL NOT NULL,
    template_at   REAL,
    template_lang TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, user_id)
) WITHOUT ROWID;

-- Twilio's id of each message sent for a mediator's message (or the template standing in for
-- it), so that Twilio's status callbacks update what the mediator sees.
CREATE TABLE twilio_messages (
    sid               TEXT PRIMARY KEY,
    ticket_message_id INTEGER NOT NULL REFERENCES ticket_messages (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    created_at        REAL NOT NULL
) WITHOUT ROWID;

-- One reminder per person and purpose (flows/deadlines.yaml), asked for by the person.
-- month: for a quarterly deadline, the month (1-12) of the person's last declaration.
-- next_at: when the next one is due (seconds since the epoch, a humane hour in Paris).
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    lang       TEXT NOT NULL,
    month      INTEGER,
    next_at    REAL NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (channel, user_id, purpose)
);

CREATE INDEX reminders_due ON reminders (next_at);

-- What became of due reminders, per purpose: sent, or dropped (too late, person gone).
CREATE TABLE reminder_counts (
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (purpose, outcome)
) WITHOUT ROWID;
