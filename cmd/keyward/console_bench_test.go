package main

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/keyward/keyward/internal/kwtest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// BenchmarkConsoleUsers100k loads pages of the console's users list, with
// its keys, groups and passwords, among 100,000 users: the first page, a
// page deep in the list sorted by creation, and a filter.
//
//	go test -run '^$' -bench ConsoleUsers -benchtime 20x ./cmd/keyward/
func BenchmarkConsoleUsers100k(b *testing.B) {
	dir := b.TempDir()
	must(b, startServerWith(b, dir, cheapPasswords).Close())
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "keyward.db")+"?_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	// The users are the first account's, whose root the console signs in.
	var account string
	must(b, db.QueryRow(`SELECT id FROM accounts ORDER BY created_at LIMIT 1`).Scan(&account))
	tx, err := db.Begin()
	must(b, err)
	u, err := tx.Prepare(`INSERT INTO users (id, account_id, name, name_fold, path, created_at) VALUES (?, ?, ?, ?, '/', ?)`)
	must(b, err)
	k, err := tx.Prepare(`INSERT INTO access_keys (id, account_id, user_id, status, created_at, sealed_secret) VALUES (?, ?, ?, 'Active', ?, x'00')`)
	must(b, err)
	now := time.Now().UnixNano()
	for i := range scale(100000, 2000) {
		id, name := fmt.Sprintf("AIDA%017d", i), fmt.Sprintf("user%06d", i)
		_, err := u.Exec(id, account, name, name, now+int64(i))
		must(b, err)
		_, err = k.Exec(fmt.Sprintf("AKIAC%015d", i), account, id, now)
		must(b, err)
	}
	must(b, tx.Commit())
	db.Close()
	ts := startServerWith(b, dir, cheapPasswords)
	c := newWebClient(b, ts)
	c.SignIn(rootForm(rootSecret))
	for _, page := range []struct{ name, query string }{
		{"first", "/console/users"},
		{"deep-by-creation", "/console/users?sort=created&order=desc&page=1900"},
		{"filter", "/console/users?filter=" + url.QueryEscape("user0999")},
		{"by-last-activity", "/console/users?sort=activity&order=desc"},
		{"by-active-key-age", "/console/users?sort=keyage"},
	} {
		b.Run(page.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				resp, body := c.Get(page.query)
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d\n%.2000s", page.query, resp.StatusCode, body)
				}
			}
		})
	}
}

// BenchmarkAccountAuthorizationDetails10k reads the whole authorization
// picture of an account of 10,000 users (each with an inline policy, a
// tag, a group and an attached policy) through the SDK's paginator, as
// cloudsplaining does: one op is every page.
func BenchmarkAccountAuthorizationDetails10k(b *testing.B) {
	dir := b.TempDir()
	ts := startServerWith(b, dir, cheapPasswords)
	c := ts.rootIAM()
	ctx := context.Background()
	_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(b, err)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	must(b, err)
	must(b, ts.Close())
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "keyward.db")+"?_pragma=synchronous(OFF)")
	must(b, err)
	// The users are the group's account's, as are the attachments.
	var policyID, groupID, account string
	must(b, db.QueryRow(`SELECT id FROM policies WHERE name = 'P'`).Scan(&policyID))
	must(b, db.QueryRow(`SELECT id, account_id FROM groups WHERE name = 'g'`).Scan(&groupID, &account))
	tx, err := db.Begin()
	must(b, err)
	now := time.Now().UnixNano()
	n := scale(10000, 1000)
	for i := range n {
		id, name := fmt.Sprintf("AIDA%017d", i), fmt.Sprintf("user%05d", i)
		for _, st := range []struct {
			q    string
			args []any
		}{
			{`INSERT INTO users (id, account_id, name, name_fold, path, created_at) VALUES (?, ?, ?, ?, '/', ?)`, []any{id, account, name, name, now}},
			{`INSERT INTO user_tags (user_id, account_id, pos, key, value) VALUES (?, ?, 0, 'team', 'eng')`, []any{id, account}},
			{`INSERT INTO inline_policies (kind, entity_id, name, document) VALUES ('user', ?, 'inline', ?)`, []any{id, kwtest.AllowAll}},
			{`INSERT INTO group_members (group_id, user_id) VALUES (?, ?)`, []any{groupID, id}},
			{`INSERT INTO policy_attachments (kind, entity_id, policy_id, account_id) VALUES ('user', ?, ?, ?)`, []any{id, policyID, account}},
		} {
			_, err := tx.Exec(st.q, st.args...)
			must(b, err)
		}
	}
	must(b, tx.Commit())
	db.Close()
	ts = startServerWith(b, dir, cheapPasswords)
	c = ts.rootIAM()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		users := 0
		pages := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1000)})
		for pages.HasMorePages() {
			p, err := pages.NextPage(ctx)
			must(b, err)
			users += len(p.UserDetailList)
		}
		if users != n {
			b.Fatalf("%d users", users)
		}
	}
}

// scale is a benchmark's number of rows: full, or short under -short,
// make test's one run of every benchmark, which shows that it runs, not
// what it measures.
func scale(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}
