package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/sqlstore"
)

// The upgrade to many accounts: a store that the release before accounts
// wrote (its schema, migrations 0001 to 0022, and rows of every kind)
// becomes the first account of the upgraded store, with nothing lost.

// AccountsSchemaStep is the number of the migration that made accounts
// many: a backend's upgrade test applies the ones before it, seeds the
// store with SeedBeforeAccounts and opens it.
const AccountsSchemaStep = 23

// SetSQLiteVersion writes PRAGMA user_version of the SQLite database at
// path from a connection of its own, as another build of Keyward would, to
// make the store look migrated by a newer one. The caller links the
// driver (package sqlite does).
func SetSQLiteVersion(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}

// upgradedAccount is the account of the store SeedBeforeAccounts writes.
const upgradedAccount = "123456789012"

// SeedBeforeAccounts writes, through db, a store of every kind of row as
// the release before accounts wrote them, in its schema; dollar numbers
// the placeholders as PostgreSQL does.
func SeedBeforeAccounts(t *testing.T, db *sql.DB, dollar bool) {
	t.Helper()
	const a = upgradedAccount
	seed := []struct {
		query string
		args  []any
	}{
		{`INSERT INTO account (singleton, id, created_at, key_check, token_version) VALUES (1, ?, ?, ?, 2)`, []any{a, t0.UnixNano(), []byte("check")}},
		{`INSERT INTO users (id, name, name_fold, path, created_at, permissions_boundary) VALUES ('AIDAALICE', 'Alice', 'alice', '/eng/', ?, '')`, []any{t0.UnixNano()}},
		{`INSERT INTO users (id, name, name_fold, path, created_at, permissions_boundary) VALUES ('AIDABOB', 'bob', 'bob', '/', ?, 'arn:aws:iam::` + a + `:policy/Read')`, []any{t0.UnixNano()}},
		{`INSERT INTO user_tags (user_id, pos, key, value) VALUES ('AIDAALICE', 0, 'team', 'eng')`, nil},
		{`INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret) VALUES ('AKIAALICE', 'AIDAALICE', 'Active', ?, ?)`, []any{t0.UnixNano(), []byte("sealed")}},
		{`INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret) VALUES ('AKIAROOT', '', 'Active', ?, ?)`, []any{t0.UnixNano(), []byte("sealed")}},
		{`INSERT INTO groups (id, name, name_fold, path, created_at) VALUES ('AGPADEVS', 'devs', 'devs', '/', ?)`, []any{t0.UnixNano()}},
		{`INSERT INTO group_members (group_id, user_id) VALUES ('AGPADEVS', 'AIDAALICE')`, nil},
		{`INSERT INTO inline_policies (kind, entity_id, name, document) VALUES ('user', 'AIDAALICE', 'own', ?)`, []any{policyDoc("iam:*")}},
		{`INSERT INTO policies (id, arn, name, name_fold, path, description, aws_managed, default_version, next_version, created_at, updated_at)
			VALUES ('ANPAREAD', 'arn:aws:iam::` + a + `:policy/Read', 'Read', 'read', '/', '', 0, 'v1', 2, ?, ?)`, []any{t0.UnixNano(), t0.UnixNano()}},
		{`INSERT INTO policies (id, arn, name, name_fold, path, description, aws_managed, default_version, next_version, created_at, updated_at)
			VALUES ('ANPAAWS', 'arn:aws:iam::aws:policy/ReadOnlyAccess', 'ReadOnlyAccess', 'readonlyaccess', '/', '', 1, 'v1', 2, ?, ?)`, []any{t0.UnixNano(), t0.UnixNano()}},
		{`INSERT INTO policy_versions (policy_id, version, document, created_at) VALUES ('ANPAREAD', 'v1', ?, ?)`, []any{policyDoc("s3:Get*"), t0.UnixNano()}},
		{`INSERT INTO policy_versions (policy_id, version, document, created_at) VALUES ('ANPAAWS', 'v1', ?, ?)`, []any{policyDoc("*"), t0.UnixNano()}},
		{`INSERT INTO policy_attachments (kind, entity_id, policy_id) VALUES ('group', 'AGPADEVS', 'ANPAREAD')`, nil},
		{`INSERT INTO policy_attachments (kind, entity_id, policy_id) VALUES ('user', 'AIDAALICE', 'ANPAAWS')`, nil},
		{`INSERT INTO login_profiles (user_id, password_hash, reset_required, created_at, changed_at, history) VALUES ('AIDAALICE', 'hash', 0, ?, ?, '[]')`, []any{t0.UnixNano(), t0.UnixNano()}},
		{`INSERT INTO password_policy (singleton, policy) VALUES (1, '{"MinimumPasswordLength":12}')`, nil},
		{`INSERT INTO credential_report (singleton, state, started_at, generated_at, content, snapshot_at) VALUES (1, 'COMPLETE', ?, ?, ?, ?)`, []any{t0.UnixNano(), t0.UnixNano(), []byte("report"), t0.UnixNano()}},
		{`INSERT INTO mfa_devices (serial, path, name, name_fold, user_id, created_at, enabled_at, sealed_seed) VALUES ('arn:aws:iam::` + a + `:mfa/phone', '/', 'phone', 'phone', 'AIDAALICE', ?, ?, ?)`, []any{t0.UnixNano(), t0.UnixNano(), []byte("seed")}},
		{`INSERT INTO mfa_devices (serial, path, name, name_fold, created_at, enabled_at, sealed_seed, for_root) VALUES ('arn:aws:iam::` + a + `:mfa/root', '/', 'root', 'root', ?, ?, ?, 1)`, []any{t0.UnixNano(), t0.UnixNano(), []byte("seed")}},
		{`INSERT INTO user_credentials (id, kind, user_id, status, created_at, body, fingerprint, dedupe) VALUES ('APKAALICE', 'ssh', 'AIDAALICE', 'Active', ?, 'ssh-ed25519 AAAA', 'fp', 'AIDAALICE fp')`, []any{t0.UnixNano()}},
		{`INSERT INTO account_aliases (alias) VALUES ('acme')`, nil},
		{`INSERT INTO server_certificates (id, name, name_fold, path, body, chain, sealed_key, uploaded_at, expires_at) VALUES ('ASCAWEB', 'web', 'web', '/', 'body', '', ?, ?, ?)`, []any{[]byte("key"), t0.UnixNano(), t0.UnixNano()}},
		{`INSERT INTO service_access (user_id, service, last_at, region) VALUES ('', 's3', ?, 'us-east-1')`, []any{t0.UnixNano()}},
		{`INSERT INTO service_access (user_id, service, last_at, region) VALUES ('AIDAALICE', 's3', ?, 'us-east-1')`, []any{t0.UnixNano()}},
		{`INSERT INTO access_jobs (id, created_at, body) VALUES ('job-1', ?, '{"ID":"job-1"}')`, []any{t0.UnixNano()}},
		{`INSERT INTO roles (id, name, name_fold, path, trust_policy, max_session_duration, created_at) VALUES ('AROADEPLOY', 'deployer', 'deployer', '/', '{}', 3600, ?)`, []any{t0.UnixNano()}},
		// A trust policy naming users and roles by ARN: those there are
		// (Alice's with her path and her name's case), one that is not and
		// one of another case than the user's, which names nobody; the
		// role's ARN with JSON's escaped slash, as PHP's encoder writes it.
		{`INSERT INTO roles (id, name, name_fold, path, trust_policy, max_session_duration, created_at) VALUES ('AROAREADER', 'reader', 'reader', '/', ?, 3600, ?)`,
			[]any{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + a + `:user/eng/Alice","arn:aws:iam::` + a + `:user/ghost",` +
				`"arn:aws:iam::` + a + `:user/Bob","arn:aws:iam::` + a + `:root"]},"Action":"sts:AssumeRole"},` +
				`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a + `:role\/deployer"},"Action":"sts:AssumeRole"}]}`, t0.UnixNano()}},
		{`INSERT INTO instance_profiles (id, name, name_fold, path, created_at, role_id) VALUES ('AIPAWEB', 'web', 'web', '/', ?, 'AROADEPLOY')`, []any{t0.UnixNano()}},
		{`INSERT INTO oidc_providers (arn, url, client_ids, thumbprints, created_at) VALUES ('arn:aws:iam::` + a + `:oidc-provider/issuer.example.com', 'https://issuer.example.com', '[]', '[]', ?)`, []any{t0.UnixNano()}},
		{`INSERT INTO oidc_signins (provider_arn, client_id, sealed_secret, name, updated_at) VALUES ('arn:aws:iam::` + a + `:oidc-provider/issuer.example.com', 'kw', ?, 'Issuer', ?)`, []any{[]byte("secret"), t0.UnixNano()}},
		{`INSERT INTO saml_providers (arn, name, name_fold, metadata, valid_until, created_at) VALUES ('arn:aws:iam::` + a + `:saml-provider/idp', 'idp', 'idp', '<md/>', ?, ?)`, []any{t0.UnixNano(), t0.UnixNano()}},
		{`INSERT INTO events (event_id, event_time, event_name, username, event_source, record) VALUES ('evt-1', ?, 'CreateUser', 'Alice', 'iam.amazonaws.com', '{}')`, []any{t0.UnixNano()}},
		{`INSERT INTO access_key_policy (id, policy, updated_at) VALUES (1, '{}', ?)`, []any{t0.UnixNano()}},
	}
	for _, row := range seed {
		if _, err := db.Exec(sqlstore.Placeholders(row.query, dollar), row.args...); err != nil {
			t.Fatalf("%s: %v", row.query, err)
		}
	}
}

// CheckUpgraded checks a store SeedBeforeAccounts wrote, once upgraded:
// every row is the first account's (db shows none of any other), every
// entity is read as before through the store as opened, and names are
// unique per account: the first account refuses its own names again and
// a second account takes them.
func CheckUpgraded(t *testing.T, s keyward.Store, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	for _, table := range []string{"users", "user_tags", "groups", "access_keys", "policy_attachments", "user_credentials", "account_aliases",
		"oidc_providers", "oidc_signins", "events", "access_jobs", "mfa_devices", "server_certificates", "roles",
		"instance_profiles", "saml_providers", "service_access", "password_policy", "credential_report", "access_key_policy"} {
		var others, all int
		if err := db.QueryRow(`SELECT count(CASE WHEN account_id <> '`+upgradedAccount+`' THEN 1 END), count(*) FROM `+table).Scan(&others, &all); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if others != 0 || all == 0 {
			t.Errorf("%s: %d rows of another account, %d in all", table, others, all)
		}
	}
	var local, aws string
	if err := db.QueryRow(`SELECT (SELECT account_id FROM policies WHERE id = 'ANPAREAD'), (SELECT account_id FROM policies WHERE id = 'ANPAAWS')`).Scan(&local, &aws); err != nil {
		t.Fatal(err)
	}
	if local != upgradedAccount || aws != "aws" {
		t.Errorf("policies' accounts: local %q, AWS managed %q", local, aws)
	}

	a, err := s.Account(ctx)
	must(t, err)
	if a.ID != upgradedAccount || string(a.KeyCheck) != "check" || !a.CreatedAt.Equal(t0) || a.Status != keyward.AccountActive {
		t.Fatalf("account %+v", a)
	}
	if v, err := s.TokenVersion(ctx); err != nil || v != 2 {
		t.Errorf("token version %d, %v", v, err)
	}
	u, err := s.User(ctx, "ALICE")
	must(t, err)
	if u.ID != "AIDAALICE" || u.Path != "/eng/" || len(u.Tags) != 1 {
		t.Errorf("alice %+v", u)
	}
	for _, id := range []string{"AKIAALICE", "AKIAROOT"} {
		k, err := s.AccessKey(ctx, id)
		must(t, err)
		if k.AccountID != upgradedAccount {
			t.Errorf("key %s in account %q", id, k.AccountID)
		}
	}
	roots, _, err := s.ListAccessKeys(ctx, "", "", 10)
	must(t, err)
	if len(roots) != 1 {
		t.Errorf("root keys %+v", roots)
	}
	sources, err := s.PrincipalPolicies(ctx, keyward.EntityUser, "AIDAALICE")
	must(t, err)
	if len(sources) != 3 { // inline, AWS managed, the group's
		t.Errorf("alice's policies %+v", sources)
	}
	p, err := s.Policy(ctx, "arn:aws:iam::aws:policy/ReadOnlyAccess")
	must(t, err)
	if p.AttachmentCount != 1 {
		t.Errorf("AWS managed policy %+v", p)
	}
	p, err = s.Policy(ctx, "arn:aws:iam::"+upgradedAccount+":policy/Read")
	must(t, err)
	if p.AttachmentCount != 1 || p.BoundaryCount != 1 {
		t.Errorf("local policy %+v", p)
	}
	counts, err := s.AccountCounts(ctx)
	must(t, err)
	if counts.Users != 2 || counts.Groups != 1 || counts.Policies != 1 || counts.MFADevices != 2 || counts.RootMFADevices != 1 ||
		counts.RootAccessKeys != 1 || counts.ServerCertificates != 1 {
		t.Errorf("counts %+v", counts)
	}
	if _, err := s.LoginProfile(ctx, "alice"); err != nil {
		t.Errorf("login profile: %v", err)
	}
	if pp, err := s.PasswordPolicy(ctx); err != nil || pp.MinimumPasswordLength != 12 {
		t.Errorf("password policy %+v, %v", pp, err)
	}
	if r, err := s.CredentialReport(ctx); err != nil || string(r.Content) != "report" {
		t.Errorf("credential report %+v, %v", r, err)
	}
	if aliases, err := s.AccountAliases(ctx); err != nil || len(aliases) != 1 {
		t.Errorf("aliases %v, %v", aliases, err)
	}
	if _, err := s.Role(ctx, "Deployer"); err != nil {
		t.Errorf("role: %v", err)
	}
	// The principals a trust policy stored before named are bound to the
	// users and roles that have their ARNs.
	if r, err := s.Role(ctx, "reader"); err != nil || !maps.Equal(r.TrustPrincipals, map[string]string{
		"arn:aws:iam::" + upgradedAccount + ":user/eng/Alice": "AIDAALICE", "arn:aws:iam::" + upgradedAccount + ":role/deployer": "AROADEPLOY"}) {
		t.Errorf("the trust policy's principals bound %v, %v", r.TrustPrincipals, err)
	}
	if ip, err := s.InstanceProfile(ctx, "web"); err != nil || len(ip.Roles) != 1 {
		t.Errorf("instance profile %+v, %v", ip, err)
	}
	if _, err := s.MFADevice(ctx, "arn:aws:iam::"+upgradedAccount+":mfa/root"); err != nil {
		t.Errorf("root's MFA device: %v", err)
	}
	if _, err := s.SAMLProvider(ctx, "arn:aws:iam::"+upgradedAccount+":saml-provider/idp"); err != nil {
		t.Errorf("SAML provider: %v", err)
	}
	if _, err := s.OIDCSignIn(ctx, "arn:aws:iam::"+upgradedAccount+":oidc-provider/issuer.example.com"); err != nil {
		t.Errorf("OIDC sign-in: %v", err)
	}
	if _, err := s.ServerCertificate(ctx, "WEB"); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	if _, err := s.AccessJob(ctx, "job-1"); err != nil {
		t.Errorf("access job: %v", err)
	}
	if access, err := s.ServiceAccesses(ctx, []string{"", "AIDAALICE"}); err != nil || len(access) != 2 {
		t.Errorf("service accesses %+v, %v", access, err)
	}
	if events, _, err := s.LookupEvents(ctx, keyward.EventQuery{}); err != nil || len(events) != 1 {
		t.Errorf("events %+v, %v", events, err)
	}
	if _, err := s.AccessKeyPolicy(ctx); err != nil {
		t.Errorf("key lifecycle policy: %v", err)
	}

	// Names are unique within the account, case-insensitively as before,
	// and free in another.
	wantErr(t, s.CreateUser(ctx, keyward.User{ID: "AIDAALICE2", Name: "alice", Path: "/", CreatedAt: t0}, quotas.Users), keyward.ErrUserExists)
	wantErr(t, s.CreateGroup(ctx, keyward.Group{ID: "AGPADEVS2", Name: "DEVS", Path: "/", CreatedAt: t0}, quotas.Groups), keyward.ErrGroupExists)
	wantErr(t, s.CreateRole(ctx, keyward.Role{ID: "AROADEPLOY2", Name: "Deployer", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles),
		keyward.ErrRoleExists)
	must(t, s.CreateAccount(ctx, keyward.Account{ID: accountB, CreatedAt: t0}, nil))
	b := s.InAccount(accountB)
	must(t, b.CreateUser(ctx, keyward.User{ID: "AIDAALICEB", Name: "alice", Path: "/", CreatedAt: t0}, quotas.Users))
	must(t, b.CreateGroup(ctx, keyward.Group{ID: "AGPADEVSB", Name: "devs", Path: "/", CreatedAt: t0}, quotas.Groups))
	must(t, b.CreateRole(ctx, keyward.Role{ID: "AROADEPLOYB", Name: "deployer", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	must(t, b.CreateServerCertificate(ctx, keyward.ServerCertificate{ID: "ASCAWEBB", Name: "web", Path: "/", Body: "body", SealedKey: []byte("key"),
		UploadedAt: t0, Expiration: t0}, 20))
	must(t, b.CreateMFADevice(ctx, keyward.MFADevice{SerialNumber: "arn:aws:iam::" + accountB + ":mfa/phone", Path: "/", Name: "phone", CreatedAt: t0, SealedSeed: []byte("s")}))
	wantErr(t, b.CreateAccountAlias(ctx, "acme"), keyward.ErrAliasExists)
	if u, err := s.User(ctx, "alice"); err != nil || u.ID != "AIDAALICE" {
		t.Errorf("the first account's alice after B's: %+v, %v", u, err)
	}
}
