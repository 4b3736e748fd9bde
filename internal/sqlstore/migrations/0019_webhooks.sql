-- Webhook subscriptions and their outbox. A subscription's secrets are
-- sealed under the master key with the subscription's ID as associated
-- data (a JSON array of base64 strings, the current one first). Its URL
-- may hold a token: url holds only what listings show (scheme and host,
-- and "…" for whatever follows), and url_sealed the whole URL sealed
-- under the master key with the ID and "#url" as associated data. Each
-- event a subscription chooses is a row of webhook_subscription_events,
-- so that the write transaction of a change finds the subscriptions it
-- must deliver to by an index.
CREATE TABLE webhook_subscriptions (
	id         text{{collate}} PRIMARY KEY,
	account_id text NOT NULL,
	url        text NOT NULL,
	url_sealed {{blob}} NOT NULL,
	secrets    text NOT NULL,
	events     text NOT NULL,
	created_at bigint NOT NULL
);
CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions (account_id, created_at, id);
CREATE TABLE webhook_subscription_events (
	account_id      text NOT NULL,
	event_name      text NOT NULL,
	subscription_id text{{collate}} NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
	PRIMARY KEY (account_id, event_name, subscription_id)
);
-- One delivery is one event to one subscription: pending until a receiver
-- answers 2xx (succeeded) or it is given up (parked). Times are
-- nanoseconds; leased_until is when a claim ends.
CREATE TABLE webhook_deliveries (
	id              text{{collate}} PRIMARY KEY,
	subscription_id text{{collate}} NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
	event_id        text NOT NULL,
	event_type      text NOT NULL,
	body            {{blob}} NOT NULL,
	created         bigint NOT NULL,
	state           text NOT NULL DEFAULT 'pending',
	next_attempt    bigint NOT NULL,
	leased_until    bigint NOT NULL DEFAULT 0,
	attempts        integer NOT NULL DEFAULT 0,
	last_error      text NOT NULL DEFAULT '',
	finished        bigint NOT NULL DEFAULT 0,
	reason          text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (subscription_id, next_attempt, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_parked ON webhook_deliveries (subscription_id, finished) WHERE state = 'parked';
