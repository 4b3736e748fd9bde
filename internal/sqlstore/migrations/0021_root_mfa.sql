-- A virtual MFA device of the root user, which has no row in users:
-- for_root is 1 while the device is enabled for the root user (user_id is
-- then NULL), 0 otherwise.
ALTER TABLE mfa_devices ADD COLUMN for_root integer NOT NULL DEFAULT 0;
