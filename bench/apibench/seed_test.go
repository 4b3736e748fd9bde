package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/postgres/pgtest"
	"github.com/keyward/keyward/sqlite"
)

// The benchmark seeds its stores straight into the schema; these tests
// seed small ones and read them back through the store, as the servers
// measured read them: a migration the seeds no longer fit fails here,
// not in the next measurement.

// checkKey reads seeded key i back: its owner and account, and a secret
// the benchmark's master key opens to what the load generator signs with.
func checkKey(t *testing.T, st keyward.Store, i int, account, user string) {
	t.Helper()
	id, secret := benchKey(i)
	k, err := st.AccessKey(context.Background(), id)
	if err != nil {
		t.Fatalf("seeded key %d: %v", i, err)
	}
	if k.AccountID != account || k.UserName != user || k.Status != keyward.StatusActive {
		t.Errorf("seeded key %d: account %q, user %q, %s; want %s, %s, Active", i, k.AccountID, k.UserName, k.Status, account, user)
	}
	sealer, err := benchSealer()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sealer.Open(id, k.SealedSecret); err != nil || got != secret {
		t.Errorf("seeded key %d's secret: %v", i, err)
	}
}

// TestSeed: the scale benchmark's users and keys, written before the
// account exists, are the first account's once the server makes it.
func TestSeed(t *testing.T) {
	dir := t.TempDir()
	if err := seed(dir, 3); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "keyward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	checkKey(t, st, 5, "123456789012", "user0000002")
}

// TestSeedAccounts: the accounts benchmark's tenants, copied into
// PostgreSQL.
func TestSeedAccounts(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := seedAccounts(ctx, url, 2, 2); err != nil {
		t.Fatal(err)
	}
	// Account 1's user 1's second key.
	checkKey(t, st, (1*2+1)*2+1, "900000000001", "user00001")
}
