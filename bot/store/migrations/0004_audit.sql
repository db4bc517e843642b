-- Who looked at or acted on which ticket, and when (what `relais audit` prints). It names
-- mediators and ticket codes, never a resident's words.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     REAL NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    ticket TEXT NOT NULL
);

CREATE INDEX audit_ticket ON audit (ticket, at);

CREATE INDEX audit_at ON audit (at);
