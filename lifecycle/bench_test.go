package lifecycle_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/sqlite"
)

// BenchmarkSweep times one pass of the sweep over 20,000 keys on SQLite
// with a policy of every rule, nothing due: incremental passes 30 s apart
// (what every replica runs), and full passes 5 minutes apart (counts for
// the metrics included). go run ./bench/keysweep measures a million keys.
func BenchmarkSweep(b *testing.B) {
	ctx := context.Background()
	path, st, acct, now := newSweepStore(b)
	st.Close()
	seedKeys(b, path, acct.ID, 20000, now)
	lc, st := openSweep(b, path, acct, &now)
	must(b, st.PutAccessKeyPolicy(ctx, everyRule(now)))
	_, err := lc.Run(ctx) // the first pass writes the warnings due
	must(b, err)
	runSweeps(b, lc, &now)
}

// seedKeys writes n keys of n/2 users straight into the database, created
// over the last 80 days, nine in ten used within 10 days.
func seedKeys(b *testing.B, path, account string, n int, now time.Time) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=synchronous(OFF)")
	must(b, err)
	defer db.Close()
	tx, err := db.Begin()
	must(b, err)
	for i := 0; i < n; i++ {
		uid := fmt.Sprintf("AIDA%017d", i/2)
		if i%2 == 0 {
			insertUser(b, tx, account, uid, now)
		}
		var used any
		if i%10 != 0 {
			used = now.Add(-time.Duration(i%240) * time.Hour).UnixNano()
		}
		insertKey(b, tx, i, account, uid, now, used)
	}
	must(b, tx.Commit())
}

// BenchmarkSweepAccounts times a pass of the sweep over 1,000 accounts of
// 4 keys each, every one with its own policy (every rule), nothing due:
// the cost of an account with a policy, which the sweep reads by itself.
// An account without one costs nothing but its share of the one query of
// keys past their own expiry dates. go run ./bench/keysweep -accounts
// measures more.
func BenchmarkSweepAccounts(b *testing.B) {
	ctx := context.Background()
	path, st, acct, now := newSweepStore(b)
	p := everyRule(now)
	accounts := 1000
	if testing.Short() { // make test's one run: that it runs, not its scale
		accounts = 50
	}
	for i := 1; i < accounts; i++ {
		id := fmt.Sprintf("%012d", 200000000000+i)
		must(b, st.CreateAccount(ctx, keyward.Account{ID: id, CreatedAt: now.Add(-400 * day)}, nil))
		must(b, st.InAccount(id).PutAccessKeyPolicy(ctx, p))
	}
	must(b, st.PutAccessKeyPolicy(ctx, p))
	st.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	must(b, err)
	for i := 0; i < 4*accounts; i++ {
		account := fmt.Sprintf("%012d", 200000000000+i/4)
		if i/4 == 0 {
			account = acct.ID
		}
		uid := fmt.Sprintf("AIDA%017d", i)
		insertUser(b, db, account, uid, now)
		insertKey(b, db, i, account, uid, now, now.UnixNano())
	}
	db.Close()
	lc, _ := openSweep(b, path, acct, &now)
	_, err = lc.Run(ctx)
	must(b, err)
	runSweeps(b, lc, &now)
}

// newSweepStore makes a SQLite store in a temporary directory whose
// account is 400 days old, and returns its path, the store, the account
// and the benchmark's start.
func newSweepStore(b *testing.B) (string, *sqlite.Store, keyward.Account, time.Time) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "k.db")
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(ctx, path)
	must(b, err)
	acct, err := st.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: now.Add(-400 * day)}, nil)
	must(b, err)
	return path, st, acct, now
}

// everyRule is a policy of every rule that nothing seeded is due for.
func everyRule(now time.Time) keyward.AccessKeyPolicy {
	return keyward.AccessKeyPolicy{MaxAge: keyward.KeyRule{After: 90 * day}, Warn: 14 * day,
		Unused: keyward.KeyRule{After: 45 * day}, DeleteInactive: keyward.KeyRule{After: 30 * day}, UpdatedAt: now}
}

// execer is a database or a transaction of it, which the seeding writes
// through.
type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
}

// insertUser writes the user uid of account straight into the database.
func insertUser(b *testing.B, db execer, account, uid string, now time.Time) {
	_, err := db.Exec(`INSERT INTO users (id, account_id, name, name_fold, path, created_at) VALUES (?, ?, ?, ?, '/', ?)`, uid, account, uid, uid, now.UnixNano())
	must(b, err)
}

// insertKey writes the user's ith key straight into the database, created
// i hours before now (modulo 40 days) and last used at used (nil for
// never).
func insertKey(b *testing.B, db execer, i int, account, uid string, now time.Time, used any) {
	_, err := db.Exec(`INSERT INTO access_keys (id, account_id, user_id, status, created_at, sealed_secret, last_used_at) VALUES (?, ?, ?, 'Active', ?, x'00', ?)`,
		fmt.Sprintf("AKIABENCH%011d", i), account, uid, now.Add(-time.Duration(i%(40*24))*time.Hour).UnixNano(), used)
	must(b, err)
}

// openSweep opens the store at path again and returns the sweep of acct
// over it, on the clock *now, and the store, closed when b ends.
func openSweep(b *testing.B, path string, acct keyward.Account, now *time.Time) (*lifecycle.Service, *sqlite.Store) {
	st, err := sqlite.Open(context.Background(), path)
	must(b, err)
	b.Cleanup(func() { st.Close() })
	clock := func() time.Time { return *now }
	a := &authz.Authorizer{Store: st, Policies: policy.Engine{}, Now: clock}
	a.SetAccount(acct)
	return &lifecycle.Service{Store: st, Authz: a, Now: clock, Rand: rand.Reader}, st
}

// runSweeps times the sweep's passes, moving *now on between them:
// incremental ones an Interval apart, full ones 5 minutes apart.
func runSweeps(b *testing.B, lc *lifecycle.Service, now *time.Time) {
	for _, step := range []struct {
		name string
		d    time.Duration
	}{{"incremental", lifecycle.Interval}, {"full", 5 * time.Minute}} {
		b.Run(step.name, func(b *testing.B) {
			for b.Loop() {
				*now = now.Add(step.d)
				if _, err := lc.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
