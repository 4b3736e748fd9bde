-- The audit trail: each event's CloudTrail record, with the fields it is
-- looked up by. seq orders events written in the same nanosecond.
CREATE TABLE events (
	event_id      text PRIMARY KEY,
	event_time    bigint NOT NULL,
	event_name    text NOT NULL,
	username      text NOT NULL DEFAULT '',
	access_key_id text NOT NULL DEFAULT '',
	event_source  text NOT NULL,
	read_only     integer NOT NULL DEFAULT 0,
	record        text NOT NULL
);
CREATE INDEX events_time ON events (event_time, event_id);
CREATE INDEX events_user ON events (username, event_time);
CREATE INDEX events_name ON events (event_name, event_time);
