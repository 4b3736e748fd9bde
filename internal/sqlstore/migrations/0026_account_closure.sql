-- AWS Organizations' CloseAccount: when an account was closed (nanoseconds;
-- 0 while it is open). Its status becomes PENDING_CLOSURE then, and reads
-- SUSPENDED once a few seconds have passed, computed from closed_at rather
-- than written again; the organization's closures within a rolling 30 days
-- are counted from it, for AWS's quota.
ALTER TABLE accounts ADD COLUMN closed_at bigint NOT NULL DEFAULT 0;
