// Package plancheck holds the rules the query plan checks of the
// PostgreSQL and SQLite stores share (postgres/plans_test.go,
// sqlite/plans_test.go): which columns of a table pick a few rows across
// the installation, and which statements read across accounts by design
// or are not checked. Each check reads its own dialect's plans.
package plancheck

import "slices"

// Statement names statements by a part of their text (with their
// arguments' placeholders left out, which the dialects write apart),
// with the reason they are treated as they are.
type Statement struct{ SQL, Why string }

// SelectiveColumns are, besides account_id, the columns of a table whose
// value alone picks a few rows across the installation: IDs and ARNs,
// which are unique across accounts, and the entities owning a table's
// rows. A table not listed has account_id and id. A policy ID is not
// selective in policy_attachments: AWS's managed policies are shared by
// every account, whose attachments of one such policy are read by account.
var SelectiveColumns = map[string][]string{
	"user_tags":                          {"user_id"},
	"access_keys":                        {"id"},
	"key_changes":                        {"seq"},
	"groups":                             {"id"},
	"group_members":                      {"group_id", "user_id"},
	"inline_policies":                    {"entity_id"},
	"policies":                           {"id", "arn"},
	"policy_versions":                    {"policy_id"},
	"policy_attachments":                 {"entity_id"},
	"login_profiles":                     {"user_id"},
	"mfa_devices":                        {"serial", "user_id"},
	"user_credentials":                   {"id", "user_id"},
	"account_aliases":                    {"alias"},
	"service_access":                     {"user_id"},
	"oidc_providers":                     {"arn"},
	"saml_providers":                     {"arn"},
	"oidc_signins":                       {"provider_arn"},
	"instance_profiles":                  {"id", "role_id"},
	"events":                             {"event_id"},
	"used_tokens":                        {"id"},
	"revoked_sessions":                   {"id"},
	"webhook_subscriptions":              {"id"},
	"webhook_subscription_events":        {"subscription_id"},
	"webhook_deliveries":                 {"id", "subscription_id"},
	"organizations":                      {"id", "master_account_id"},
	"organization_accounts":              {"organization_id"},
	"organizational_units":               {"id", "organization_id"},
	"organization_policies":              {"organization_id"},
	"organization_policy_attachments":    {"organization_id"},
	"organization_service_access":        {"organization_id"},
	"organization_create_account_status": {"id", "organization_id"},
}

// InstallationWide are the statements that read across every account by
// design, each with the reason: a periodic sweep or a count over the
// installation. Each check holds them to a weaker rule of its own, so
// that the work follows what they find.
var InstallationWide = []Statement{
	{"FROM webhook_subscription_events WHERE event_name = ", "the accounts subscribed to root-key.used, for a batch of last uses of any account's keys"},
	{" IS NOT NULL ORDER BY id LIMIT ", "re-sealing every secret under a new master key, a page at a time"},
	{" IS NOT NULL ORDER BY serial LIMIT ", "re-sealing every secret under a new master key, a page at a time"},
	{" IS NOT NULL ORDER BY provider_arn LIMIT ", "re-sealing every secret under a new master key, a page at a time"},
	{"DELETE FROM events WHERE event_time < ", "the prune of old audit events"},
	{"DELETE FROM used_tokens WHERE expires_at < ", "the prune of expired single-use tokens"},
	{"DELETE FROM revoked_sessions WHERE expires_at < ", "the prune of expired revoked sessions"},
	{"DELETE FROM webhook_deliveries WHERE state = 'succeeded' AND finished < ", "the prune of delivered webhooks"},
	{"FROM accounts WHERE id > ", "the installation's accounts, a page at a time"},
	{"FROM access_key_policy WHERE account_id > ", "the key lifecycle sweep's accounts with a policy, a page at a time"},
	{"FROM access_keys WHERE status = ", "the key lifecycle: keys past their own expiry date in every account, and the metrics' counts by age"},
	{"FROM webhook_deliveries WHERE state = 'pending' AND next_attempt <= ", "the webhook dispatcher: whether any delivery is due"},
	{"subs AS (SELECT pending.id, (SELECT w.account_id FROM webhook_subscriptions w WHERE w.id = pending.id)", "the webhook dispatcher: the due deliveries of every subscription with deliveries pending"},
}

// NoSweep are statements of InstallationWide that may not read a partial
// index whole even so, each with the reason: the rows such an index holds
// (the pending webhook deliveries) are what one account makes as many of
// as it likes, and the statement runs too often to read them all.
var NoSweep = []Statement{
	{"subs AS (SELECT pending.id, (SELECT w.account_id FROM webhook_subscriptions w WHERE w.id = pending.id)", "the webhook dispatcher's claim, at every poll and whenever deliveries end: one account's backlog must not make it longer for every account"},
}

// Unchecked are statements whose plans are not checked, each with the
// reason.
var Unchecked = []Statement{
	{" WHERE account_id = ''", "InitAccount gives the installation's first account what the unscoped store wrote before it; once per installation"},
	{" IS NOT NULL ORDER BY ", "the master key's check reads every sealed secret of the installation"},
	{"SELECT id, url_sealed, secrets FROM webhook_subscriptions ORDER BY id", "the master key's check reads every sealed secret of the installation"},
	{"SELECT EXISTS (SELECT 1 FROM webhook_subscription_events)", "whether any subscription exists: the first index entry answers"},
}

// Selective reports whether col picks a few rows of table.
func Selective(table, col string) bool {
	if col == "account_id" {
		return true
	}
	cols, ok := SelectiveColumns[table]
	if !ok {
		return col == "id"
	}
	return slices.Contains(cols, col)
}
