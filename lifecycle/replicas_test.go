package lifecycle_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/postgres/pgtest"
)

// TestReplicasTransitionOnce: two replicas on one PostgreSQL schema sweep
// the same expired and unused keys at the same moment, each several times
// at once; every key is deactivated once, with one event, whichever
// replica made it.
func TestReplicasTransitionOnce(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var replicas []*lifecycle.Service
	var stores []*postgres.Store
	for i := 0; i < 2; i++ {
		st, err := postgres.Open(ctx, url, postgres.Options{})
		must(t, err)
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	acct, err := stores[0].InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: now.Add(-400 * day)}, nil)
	must(t, err)
	for _, st := range stores {
		a := &authz.Authorizer{Store: st, Policies: policy.Engine{}, Now: clock}
		a.SetAccount(acct)
		replicas = append(replicas, &lifecycle.Service{Store: st, Authz: a, Now: clock, Rand: rand.Reader})
	}
	const users = 60
	for i := 0; i < users; i++ {
		name := fmt.Sprintf("u%03d", i)
		must(t, stores[0].CreateUser(ctx, keyward.User{ID: fmt.Sprintf("AIDAREPLICA%010d", i), Name: name, Path: "/", CreatedAt: now.Add(-300 * day)}, keyward.DefaultQuotas().Users))
		// One key expired an hour ago, one never used for 50 days.
		for j, k := range []keyward.AccessKey{
			{Status: keyward.StatusActive, CreatedAt: now.Add(-10 * day), ExpiresAt: now.Add(-time.Hour)},
			{Status: keyward.StatusActive, CreatedAt: now.Add(-50 * day)},
		} {
			k.ID, k.SealedSecret = fmt.Sprintf("AKIAREPLICA%08d%d", i, j), []byte("sealed")
			_, err := stores[0].CreateAccessKey(ctx, name, k)
			must(t, err)
		}
	}
	must(t, stores[0].PutAccessKeyPolicy(ctx, keyward.AccessKeyPolicy{Unused: keyward.KeyRule{After: 45 * day}, UpdatedAt: now}))

	var wg sync.WaitGroup
	changed := make(chan int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw, err := replicas[i%2].Run(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			n := 0
			for _, r := range sw.Rules {
				n += r.Changed
			}
			changed <- n
		}()
	}
	wg.Wait()
	close(changed)
	total := 0
	for n := range changed {
		total += n
	}
	if total != 2*users {
		t.Fatalf("%d transitions made, want %d", total, 2*users)
	}
	evs, _, err := stores[1].LookupEvents(ctx, keyward.EventQuery{EventName: "UpdateAccessKey", Max: 1000})
	must(t, err)
	if len(evs) != 2*users {
		t.Fatalf("%d events, want %d", len(evs), 2*users)
	}
	for i := 0; i < users; i++ {
		for j := 0; j < 2; j++ {
			k, err := stores[1].AccessKey(ctx, fmt.Sprintf("AKIAREPLICA%08d%d", i, j))
			must(t, err)
			if k.Status != keyward.StatusInactive || !k.InactiveSince.Equal(now) {
				t.Fatalf("key %s: %s since %v", k.ID, k.Status, k.InactiveSince)
			}
		}
	}
}
