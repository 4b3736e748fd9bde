-- The AWS services an organization trusts (EnableAWSServiceAccess): one
-- row per service principal, gone with its organization. Times are
-- nanoseconds.
CREATE TABLE organization_service_access (
	organization_id   text{{collate}} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	service_principal text{{collate}} NOT NULL,
	enabled_at        bigint NOT NULL,
	PRIMARY KEY (organization_id, service_principal)
);
