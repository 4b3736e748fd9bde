-- The ARN of a user's permissions boundary, '' without one.
ALTER TABLE users ADD COLUMN permissions_boundary text NOT NULL DEFAULT '';
