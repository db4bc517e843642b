-- Places where a person helps with procedures (France Services, conseillers numériques…),
-- imported from open data; one row per (import source, id in that source).
-- (PostgreSQL dialect of ../0002_places.sql.)
CREATE TABLE places (
    source            TEXT NOT NULL,
    source_id         TEXT NOT NULL,
    name              TEXT NOT NULL,
    address           TEXT NOT NULL DEFAULT '',
    address_more      TEXT NOT NULL DEFAULT '',
    postal_code       TEXT NOT NULL DEFAULT '',
    commune           TEXT NOT NULL DEFAULT '',
    lat               DOUBLE PRECISION NOT NULL,
    lon               DOUBLE PRECISION NOT NULL,
    phone             TEXT NOT NULL DEFAULT '',
    opening_hours     TEXT NOT NULL DEFAULT '',
    raw_hours         TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    services          TEXT NOT NULL DEFAULT '',
    programmes        TEXT NOT NULL DEFAULT '',
    languages         TEXT NOT NULL DEFAULT '',
    free              BIGINT,
    mobile            BIGINT NOT NULL DEFAULT 0,
    booking_url       TEXT NOT NULL DEFAULT '',
    website           TEXT NOT NULL DEFAULT '',
    origin            TEXT NOT NULL DEFAULT '',
    updated           TEXT NOT NULL DEFAULT '',
    fingerprint       TEXT NOT NULL,
    imported_at       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE INDEX places_postal_code ON places (postal_code);

CREATE INDEX places_lat_lon ON places (lat, lon);

-- One row per finished import: what the operator sees with `relais places import`.
CREATE TABLE place_imports (
    source      TEXT NOT NULL,
    finished_at DOUBLE PRECISION NOT NULL,
    format      TEXT NOT NULL,
    counts      TEXT NOT NULL,
    PRIMARY KEY (source, finished_at)
);
