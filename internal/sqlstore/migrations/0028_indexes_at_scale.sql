-- Indexes a query plan check found missing (postgres/plans_test.go): each
-- query of an account's rows reads them by the account, or by a key unique
-- across the installation, and each sweep across accounts by a range.
--
-- Audit event lookups by user name or event name read the view's account's
-- events: indexes led by the name read every account's events of that name.
DROP INDEX events_user;
CREATE INDEX events_user ON events (account_id, username, event_time);
DROP INDEX events_name;
CREATE INDEX events_name ON events (account_id, event_name, event_time);
-- An account's policies (and AWS's, account 'aws') a page at a time in
-- the order of their ARNs, from the marker: by the account, then the ARN.
CREATE INDEX policies_account_arn ON policies (account_id, arn);
-- An account's OIDC sign-in configurations, and its access jobs (kept a
-- few at a time, the oldest deleted).
CREATE INDEX oidc_signins_account ON oidc_signins (account_id, provider_arn);
CREATE INDEX access_jobs_account ON access_jobs (account_id, created_at, id);
-- Deleting a webhook subscription deletes its events and deliveries (and
-- the foreign keys' cascades look for them): by the subscription. The
-- deliveries' index also counts a subscription's recent deliveries of an
-- event type (sign-in failures, at most one an hour).
CREATE INDEX webhook_subscription_events_subscription ON webhook_subscription_events (subscription_id);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, event_type, created);
-- The accounts subscribed to an event, for a batch of last uses of keys of
-- any account (root-key.used): by the event, not every subscription.
CREATE INDEX webhook_subscription_events_event ON webhook_subscription_events (event_name, account_id, subscription_id);
-- The periodic prunes, by a range of time rather than the whole table.
CREATE INDEX webhook_deliveries_succeeded ON webhook_deliveries (finished) WHERE state = 'succeeded';
CREATE INDEX revoked_sessions_expires ON revoked_sessions (expires_at);
