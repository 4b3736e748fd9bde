-- A user's active keys, oldest first: the console's users list sorted by
-- the age of each user's oldest active key asks this of every user of the
-- account. Without statistics SQLite answered it from the account's active
-- keys (access_keys_account_created: account and status), every one of
-- them for each user, and a list of 100,000 users took longer than a
-- request may; by the user first, it is one short read a user.
CREATE INDEX access_keys_user_active ON access_keys (account_id, user_id, status, created_at);
