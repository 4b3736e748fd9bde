-- AWS Organizations' CreateAccount requests, kept for
-- DescribeCreateAccountStatus and ListCreateAccountStatus with their
-- organization; and an account's email unique across the installation
-- (AWS's EMAIL_ALREADY_EXISTS), where it has one. Times are nanoseconds.
CREATE TABLE organization_create_account_status (
	id              text{{collate}} PRIMARY KEY,
	organization_id text{{collate}} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	account_name    text NOT NULL,
	state           text NOT NULL,
	requested_at    bigint NOT NULL,
	completed_at    bigint NOT NULL DEFAULT 0,
	account_id      text NOT NULL DEFAULT '',
	failure_reason  text NOT NULL DEFAULT ''
);
CREATE INDEX organization_create_account_status_org ON organization_create_account_status (organization_id, id);
CREATE UNIQUE INDEX accounts_email ON accounts (email) WHERE email <> '';
