-- (PostgreSQL dialect of ../0005_outbox_order.sql.)
-- The outbox worker looks up the oldest queued message of each recipient: an index makes
-- that a lookup instead of a scan of the channel's messages (it ran for every send).
CREATE INDEX outbox_recipient ON outbox (channel, user_id, id);
