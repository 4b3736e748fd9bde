-- The console sorts users by creation time.
CREATE INDEX users_created ON users (created_at, id);
