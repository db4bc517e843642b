-- (PostgreSQL dialect of ../0008_place_fit.sql.)
-- What the national standard (v1.0.2) says about who a place serves and how, so that the
-- search offers each person places that fit them (docs/places.md, "Who a place serves").
-- access: '' (open), 'referral' (on a professional's referral), 'closed' (no public),
-- 'residents' (an older file's place that seems to help only its own residents).
ALTER TABLE places ADD COLUMN access TEXT NOT NULL DEFAULT '';
ALTER TABLE places ADD COLUMN publics TEXT NOT NULL DEFAULT '';
ALTER TABLE places ADD COLUMN support TEXT NOT NULL DEFAULT '';
ALTER TABLE places ADD COLUMN modes TEXT NOT NULL DEFAULT '';

-- Positions now come from the embedded gazetteer and searches from the in-memory index:
-- nothing queries places by postal code or position, and these indexes slowed imports.
DROP INDEX IF EXISTS places_postal_code;
DROP INDEX IF EXISTS places_lat_lon;
