-- Wrong MFA codes are counted per device in the store, so that every
-- replica sharing it counts the same guesses: failures is how many failed
-- since failed_since (nanoseconds; 0 with none).
ALTER TABLE mfa_devices ADD COLUMN failures integer NOT NULL DEFAULT 0;
ALTER TABLE mfa_devices ADD COLUMN failed_since bigint NOT NULL DEFAULT 0;

-- Single-use tokens (console sign-in tokens) that were used, kept until
-- they expire so that none is used twice on any replica.
CREATE TABLE used_tokens (
	id         text{{collate}} PRIMARY KEY,
	expires_at bigint NOT NULL
);
CREATE INDEX used_tokens_expires ON used_tokens (expires_at);
