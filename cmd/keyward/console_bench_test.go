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
	dir := b.TempDir()
	must(b, startServerWith(b, dir, cheapPasswords).Close())
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "keyward.db")+"?_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	must(b, err)
	u, err := tx.Prepare(`INSERT INTO users (id, name, name_fold, path, created_at) VALUES (?, ?, ?, '/', ?)`)
	must(b, err)
	k, err := tx.Prepare(`INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret) VALUES (?, ?, 'Active', ?, x'00')`)
	must(b, err)
	now := time.Now().UnixNano()
	for i := 0; i < 100000; i++ {
		id, name := fmt.Sprintf("AIDA%017d", i), fmt.Sprintf("user%06d", i)
		_, err := u.Exec(id, name, name, now+int64(i))
		must(b, err)
		_, err = k.Exec(fmt.Sprintf("AKIAC%015d", i), id, now)
		must(b, err)
	}
	must(b, tx.Commit())
	db.Close()
	ts := startServerWith(b, dir, cheapPasswords)
	c := newWebClient(b, ts)
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
