package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkConsoleUsers100k loads pages of the console's users list, with
// its keys, groups and passwords, among 100,000 users: the first page, a
// page deep in the list sorted by creation, and a filter.
//
//	go test -run '^$' -bench ConsoleUsers -benchtime 20x ./cmd/keyward/
func BenchmarkConsoleUsers100k(b *testing.B) {
	t := &testing.T{}
	dir := b.TempDir()
	ts := startServerWith(t, dir, cheapPasswords)
	ts.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "keyward.db")+"?_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	tx, _ := db.Begin()
	u, _ := tx.Prepare(`INSERT INTO users (id, name, name_fold, path, created_at) VALUES (?, ?, ?, '/', ?)`)
	k, _ := tx.Prepare(`INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret) VALUES (?, ?, 'Active', ?, x'00')`)
	now := time.Now().UnixNano()
	for i := 0; i < 100000; i++ {
		id, name := fmt.Sprintf("AIDA%017d", i), fmt.Sprintf("user%06d", i)
		u.Exec(id, name, name, now+int64(i))
		k.Exec(fmt.Sprintf("AKIAC%015d", i), id, now)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	db.Close()
	ts = startServerWith(t, dir, cheapPasswords)
	defer ts.Close()
	c := newWebClient(t, ts)
	c.signIn(rootForm(rootSecret))
	for _, page := range []struct{ name, query string }{
		{"first", "/console/users"},
		{"deep-by-creation", "/console/users?sort=created&order=desc&page=1900"},
		{"filter", "/console/users?filter=" + url.QueryEscape("user0999")},
	} {
		b.Run(page.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				resp, _ := c.get(page.query)
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d", page.query, resp.StatusCode)
				}
			}
		})
	}
}
