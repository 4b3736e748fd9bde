-- An account's users and roles with a permissions boundary: listing
-- policies counts, for each policy of the page, the principals of the
-- account whose boundary it is (a correlated subquery, run once a
-- policy). Without an index by the boundary SQLite read every user and
-- role of the account for each policy (sqlite/plans_test.go).
CREATE INDEX users_boundary ON users (account_id, permissions_boundary);
CREATE INDEX roles_boundary ON roles (account_id, permissions_boundary);
