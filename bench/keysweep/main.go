// Command keysweep measures the key lifecycle's sweep on a SQLite store
// of many access keys: the sweep that deactivates the keys due, the
// sweeps that find nothing to do (every 30 s on every replica), the
// counts the metrics take every 5 minutes, and, for comparison, one full
// scan of the keys for the same rules. The keys are seeded straight into
// the database (through the API a million durable writes take too long).
// With -accounts the keys are spread over that many accounts of the
// installation, and -policies of them (the first account first) have the
// policy: the sweep reads every account's expired keys at once and each
// account with a policy by itself.
//
//	go run ./bench/keysweep -keys 1000000 -due 1000 -runs 5
//	go run ./bench/keysweep -keys 200000 -accounts 100000 -policies 100000
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/bench/internal/bulk"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/sqlite"
)

const day = 24 * time.Hour

func main() {
	keys := flag.Int("keys", 1000000, "access keys to seed, two per user")
	due := flag.Int("due", 1000, "keys past their expiry date when the first sweep runs")
	runs := flag.Int("runs", 5, "idle sweeps and full scans to time")
	dir := flag.String("dir", "", "directory of the database (a temporary one when empty)")
	accounts := flag.Int("accounts", 1, "accounts the keys are spread over")
	policies := flag.Int("policies", 1, "accounts with the key lifecycle policy")
	flag.Parse()
	if err := run(*keys, *due, *runs, *accounts, *policies, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "keysweep:", err)
		os.Exit(1)
	}
}

func run(keys, due, runs, accounts, policies int, dir string) error {
	ctx := context.Background()
	if dir == "" {
		tmp, err := os.MkdirTemp("", "keysweep")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	path := filepath.Join(dir, "keyward.db")
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	acct, err := st.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: now.Add(-400 * day)}, nil)
	st.Close()
	if err != nil {
		return err
	}
	t0 := time.Now()
	lcPolicy := keyward.AccessKeyPolicy{MaxAge: keyward.KeyRule{After: 90 * day}, Warn: 14 * day,
		Unused: keyward.KeyRule{After: 45 * day}, DeleteInactive: keyward.KeyRule{After: 30 * day}, UpdatedAt: now}
	if err := seed(path, acct.ID, keys, due, accounts, policies, lcPolicy, now); err != nil {
		return err
	}
	fmt.Printf("seeded %d keys (%d due) in %d accounts (%d with a policy) in %v\n", keys, due, accounts, policies, time.Since(t0).Round(time.Second))

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	start := now
	clock := func() time.Time { return now }
	a := &authz.Authorizer{Store: st, Policies: policy.Engine{}, Now: clock}
	a.SetAccount(acct)
	lc := &lifecycle.Service{Store: st, Authz: a, Now: clock, Rand: rand.Reader}
	if policies > 0 {
		must(st.PutAccessKeyPolicy(ctx, lcPolicy))
	}

	t0 = time.Now()
	sw, err := lc.Run(ctx)
	if err != nil {
		return err
	}
	first := time.Since(t0)
	changed := 0
	for _, r := range sw.Rules {
		changed += r.Changed
	}
	fmt.Printf("first sweep: %v, %d keys deactivated (with their events), %d warnings, metrics counted\n", first.Round(time.Millisecond), changed, sw.Warned)

	// Passes 30 s apart read what crossed a boundary since the last; one
	// every 5 minutes reads every key past a rule, and counts for the
	// metrics.
	var incremental, full, counts, scans []time.Duration
	for i := 0; i < runs; i++ {
		now = now.Add(lifecycle.Interval)
		t0 = time.Now()
		if _, err := lc.Run(ctx); err != nil {
			return err
		}
		incremental = append(incremental, time.Since(t0))
	}
	for i := 0; i < runs; i++ {
		now = now.Add(5 * time.Minute)
		t0 = time.Now()
		if _, err := lc.Run(ctx); err != nil {
			return err
		}
		full = append(full, time.Since(t0))
		t0 = time.Now()
		if _, _, err := st.CountAccessKeys(ctx, []time.Time{now.Add(-30 * day), now.Add(-90 * day), now.Add(-180 * day), now.Add(-365 * day)}, now.Add(7*day)); err != nil {
			return err
		}
		counts = append(counts, time.Since(t0))
		t0 = time.Now()
		if _, err := fullScan(path, now); err != nil {
			return err
		}
		scans = append(scans, time.Since(t0))
	}
	fmt.Printf("incremental sweep (every 30 s): median %v of %v\n", median(incremental), rounded(incremental))
	fmt.Printf("full pass (every 5 min, counts included): median %v of %v\n", median(full), rounded(full))
	fmt.Printf("of which the metrics' counts: median %v of %v\n", median(counts), rounded(counts))
	fmt.Printf("one full scan of the keys for the same rules, without the indexes: median %v of %v\n", median(scans), rounded(scans))
	fmt.Printf("(clock moved %v from the seed's)\n", now.Sub(start))
	return plans(path, now)
}

// seed writes keys/2 users with two keys each: created over the last 80
// days, nine in ten used within the last 10 days, the rest never used but
// younger than 45 days; due of them expired a minute ago. The users are
// spread over accounts accounts, the first being account; the first
// policies of the others besides it have policy p.
func seed(path, account string, keys, due, accounts, policies int, p keyward.AccessKeyPolicy, now time.Time) error {
	accountOf := func(i int) string {
		if i == 0 {
			return account
		}
		return fmt.Sprintf("%012d", 200000000000+i)
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return bulk.Write(path, func(tx *sql.Tx) error {
		for i := 1; i < accounts; i++ {
			if _, err := tx.Exec(`INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)`, accountOf(i), accountOf(i), now.Add(-100*day).UnixNano()); err != nil {
				return err
			}
			if i >= policies {
				continue
			}
			if _, err := tx.Exec(`INSERT INTO access_key_policy (account_id, policy, updated_at) VALUES (?, ?, ?)`, accountOf(i), string(doc), now.UnixNano()); err != nil {
				return err
			}
		}
		insUser, err := tx.Prepare(`INSERT INTO users (id, account_id, name, name_fold, path, created_at) VALUES (?, ?, ?, ?, '/', ?)`)
		if err != nil {
			return err
		}
		insKey, err := tx.Prepare(`INSERT INTO access_keys (id, account_id, user_id, status, created_at, sealed_secret, last_used_at, expires_at)
			VALUES (?, ?, ?, 'Active', ?, x'00', ?, ?)`)
		if err != nil {
			return err
		}
		for i := 0; i < keys; i++ {
			uid := fmt.Sprintf("AIDA%017d", i/2)
			account := accountOf(i / 2 % accounts)
			if i%2 == 0 {
				name := fmt.Sprintf("user%07d", i/2)
				if _, err := insUser.Exec(uid, account, name, name, now.Add(-100*day).UnixNano()); err != nil {
					return err
				}
			}
			created := now.Add(-time.Duration(i%(80*24)) * time.Hour)
			var used, expires any
			if i%10 != 0 {
				used = now.Add(-time.Duration(i%(10*24)) * time.Hour).UnixNano()
			} else {
				created = now.Add(-time.Duration(i%(40*24)) * time.Hour)
			}
			if i < due {
				expires = now.Add(-time.Minute).UnixNano()
			}
			if _, err := insKey.Exec(fmt.Sprintf("AKIASWEEP%011d", i), account, uid, created.UnixNano(), used, expires); err != nil {
				return err
			}
		}
		return nil
	})
}

// fullScan reads every key for the sweep's rules without the indexes:
// what a sweep would cost without them.
func fullScan(path string, now time.Time) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT count(*) FROM access_keys NOT INDEXED WHERE status = 'Active' AND
		(created_at <= ? OR coalesce(last_used_at, created_at) <= ? OR (expires_at IS NOT NULL AND expires_at <= ?))`,
		now.Add(-90*day).UnixNano(), now.Add(-45*day).UnixNano(), now.UnixNano()).Scan(&n)
	return n, err
}

// plans prints SQLite's plan of the sweep's queries: ranges of indexes.
func plans(path string, now time.Time) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	// A key's own expiry date is read across every account; the rules of
	// a policy in one account at a time.
	for name, where := range map[string]string{
		"expired, every account": `status = 'Active' AND expires_at IS NOT NULL AND expires_at <= ?`,
		"max-age":                `account_id = 'x' AND status = 'Active' AND created_at <= ?`,
		"unused":                 `account_id = 'x' AND status = 'Active' AND (last_used_at <= ? OR (last_used_at IS NULL AND created_at <= ?))`,
		"inactive":               `account_id = 'x' AND status = 'Inactive' AND inactive_since IS NOT NULL AND inactive_since <= ?`,
		"policies":               `1 = 1 OR ? = ?`,
	} {
		from := `access_keys`
		if name == "policies" {
			from = `access_key_policy`
		}
		rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT * FROM `+from+` WHERE `+where, now.UnixNano(), now.UnixNano())
		if err != nil {
			return err
		}
		var steps []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			steps = append(steps, detail)
		}
		rows.Close()
		fmt.Printf("plan %s: %s\n", name, strings.Join(steps, "; "))
	}
	return nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Microsecond)
}

func rounded(d []time.Duration) []time.Duration {
	out := make([]time.Duration, len(d))
	for i, v := range d {
		out[i] = v.Round(time.Microsecond)
	}
	return out
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "keysweep:", err)
		os.Exit(1)
	}
}
