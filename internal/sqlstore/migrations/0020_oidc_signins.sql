-- The console's sign-in through OpenID Connect providers (a Keyward
-- extension): one per provider at most, its client secret sealed under the
-- master key with the provider's ARN as associated data, the role ARNs as
-- a JSON array. Deleting the provider deletes it (in the same
-- transaction).
CREATE TABLE oidc_signins (
	provider_arn  text{{collate}} PRIMARY KEY,
	client_id     text NOT NULL,
	sealed_secret {{blob}} NOT NULL,
	name          text NOT NULL,
	roles         text NOT NULL DEFAULT '[]',
	updated_at    bigint NOT NULL
);
