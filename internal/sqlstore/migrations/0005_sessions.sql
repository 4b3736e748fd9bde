-- Console sessions signed out before they expire: their cookies are
-- refused until then, on every replica.
CREATE TABLE revoked_sessions (
	id         text    PRIMARY KEY,
	expires_at bigint NOT NULL
);
