package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/postgres/pgtest"
	"github.com/keyward/keyward/storetest"
)

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// replicaPair opens two stores on one new schema, as two replicas of one
// Keyward, closed when the test ends.
func replicaPair(t *testing.T) (a, b *postgres.Store) {
	t.Helper()
	url := migrated(t)
	a, b = open(t, url), open(t, url)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestMain drops the schemas pgtest.Migrated made for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := pgtest.DropMigrated(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// migrate is how pgtest.Migrated brings a new schema up to date: as a
// replica does, by opening it.
func migrate(url string) error {
	s, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		return err
	}
	return s.Close()
}

// TestConformance runs the suite on a migrated schema per test, emptied
// after each and reused (the migrations themselves are
// TestSchemaVersions', TestConcurrentMigrations' and
// TestUpgradeToAccounts'), then checks the plans of the statements it ran
// (checkPlans): running -run 'TestConformance/X' checks those of the tests
// chosen.
//
// Its statements may wait a minute, not the 5 s a server's do by default
// (TestStatementTimeout's): the suite's concurrency tests line twenty
// writers up on one row, and on a loaded two-core machine (the race
// detector, other packages' tests) a writer holding the row can wait
// seconds for a core while the rest wait for it. A lock never released
// still fails the test; a deadlock fails at once.
func TestConformance(t *testing.T) {
	plans := newPlanRecorder()
	storetest.RunTests(t, func(t *testing.T) organizations.Store {
		s, err := postgres.Open(context.Background(), migrated(t), postgres.WithTracer(postgres.Options{StatementTimeout: time.Minute}, plans.tracer(t.Name())))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	if !t.Failed() {
		checkPlans(t, plans)
	}
}

// migrated is a migrated schema for a test of what a store does, not of
// how it migrates.
func migrated(t *testing.T) string { return pgtest.Migrated(t, migrate) }

// TestConcurrentMigrations starts several stores on one empty schema at
// once, as replicas starting together do.
func TestConcurrentMigrations(t *testing.T) {
	url := pgtest.Schema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), url, postgres.Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestWatchAccessKeys changes keys through one store and expects another on
// the same schema, as another replica, to hear of each change.
func TestWatchAccessKeys(t *testing.T) {
	a, b := replicaPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan string, 100)
	go b.WatchAccessKeys(ctx, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)), func(id string) { heard <- id })
	time.Sleep(100 * time.Millisecond) // let the LISTEN start; the log would catch up anyway, after an hour
	must(t, a.CreateUser(ctx, keyward.User{ID: "AIDAWATCH000000000000", Name: "w", Path: "/", CreatedAt: time.Now()}, keyward.DefaultQuotas().Users))
	k := keyward.AccessKey{ID: "AKIAWATCH00000000000", Status: keyward.StatusActive, CreatedAt: time.Now(), SealedSecret: []byte("x")}
	_, err := a.CreateAccessKey(ctx, "w", k)
	must(t, err)
	must(t, a.UpdateAccessKey(ctx, "w", k.ID, keyward.StatusInactive, time.Now()))
	must(t, a.DeleteAccessKey(ctx, "w", k.ID))
	for i := 0; i < 3; i++ {
		select {
		case id := <-heard:
			if id != k.ID {
				t.Fatalf("heard %q", id)
			}
		case <-time.After(time.Second):
			t.Fatalf("change %d not heard within 1s", i+1)
		}
	}
}

// TestResyncCatchesMissedChanges has the watcher hear nothing (its
// notifications go to another channel, as if lost) and expects the
// periodic read of the log to deliver the change.
func TestResyncCatchesMissedChanges(t *testing.T) {
	url := migrated(t)
	a := open(t, url)
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan string, 100)
	go a.WatchAccessKeys(ctx, 100*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)), func(id string) { heard <- id })
	time.Sleep(50 * time.Millisecond)
	// Written straight into the log, without NOTIFY.
	must(t, postgres.LogChangeWithoutNotify(ctx, a, "AKIAMISSED0000000000"))
	select {
	case id := <-heard:
		if id != "AKIAMISSED0000000000" {
			t.Fatalf("heard %q", id)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("missed change not caught by the resync")
	}
}

// TestExclusive runs the same background work from several replicas at once
// and expects no two runs to overlap.
func TestExclusive(t *testing.T) {
	url := migrated(t)
	stores := []*postgres.Store{open(t, url), open(t, url), open(t, url)}
	var running, maxRunning, ran atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func(s *postgres.Store) {
			defer wg.Done()
			ok, err := s.Exclusive(context.Background(), "report", func(ctx context.Context) error {
				n := running.Add(1)
				for {
					m := maxRunning.Load()
					if n <= m || maxRunning.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				running.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
			if ok {
				ran.Add(1)
			}
		}(stores[i%3])
	}
	wg.Wait()
	if maxRunning.Load() != 1 || ran.Load() == 0 {
		t.Fatalf("%d ran, at most %d at once", ran.Load(), maxRunning.Load())
	}
	for _, s := range stores {
		s.Close()
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestFrozenServer: with the server frozen (as in a partition, or its
// processes stopped) a call fails within the statement timeout and a
// grace, instead of hanging until TCP gives up (CreateUser once hung 40 s),
// and the store recovers by itself when the server is back.
func TestFrozenServer(t *testing.T) {
	proxy, url := pgtest.NewProxy(t, migrated(t))
	s, err := postgres.Open(context.Background(), url, postgres.Options{StatementTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	user := func(name string) keyward.User {
		return keyward.User{ID: "AIDA" + name, Name: name, Path: "/", CreatedAt: time.Now()}
	}
	if err := s.CreateUser(ctx, user("BEFORE"), keyward.DefaultQuotas().Users); err != nil {
		t.Fatal(err)
	}
	proxy.Freeze()
	for _, call := range []struct {
		name string
		fn   func() error
	}{
		{"CreateUser", func() error { return s.CreateUser(ctx, user("FROZEN"), keyward.DefaultQuotas().Users) }},
		{"User", func() error { _, err := s.User(ctx, "BEFORE"); return err }},
		{"ListGroups", func() error { _, _, err := s.ListGroups(ctx, "/", "", 10); return err }},
	} {
		start := time.Now()
		err := call.fn()
		took := time.Since(start)
		t.Logf("%s with the server frozen: %v after %v", call.name, err, took.Round(time.Millisecond))
		if err == nil {
			t.Errorf("%s succeeded with the server frozen", call.name)
		}
		// A ping (1 s) and a new connection (1 s here), or a statement (1 s)
		// and its grace (1 s): a call waits about two seconds at most.
		if took > 3*time.Second {
			t.Errorf("%s took %v with the server frozen", call.name, took)
		}
	}
	proxy.Thaw()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.CreateUser(ctx, user("AFTER"), keyward.DefaultQuotas().Users)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery 10 s after the server came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := s.User(ctx, "AFTER"); err != nil {
		t.Fatal(err)
	}
}

// TestFrozenServerContextDeadline: a call's context bounds all of it, the
// wait for a pooled connection included, and its failure says so (a
// request turns it into ServiceUnavailable). With more calls than pooled
// connections, each waited for its turn and then for its own statement's
// timeout; and a call interrupted by its context was reported as the
// client-side deadline's failure instead.
func TestFrozenServerContextDeadline(t *testing.T) {
	proxy, url := pgtest.NewProxy(t, migrated(t))
	s, err := postgres.Open(context.Background(), url, postgres.Options{MaxConns: 2, StatementTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateUser(context.Background(), keyward.User{ID: "AIDAHERE", Name: "here", Path: "/", CreatedAt: time.Now()}, keyward.DefaultQuotas().Users); err != nil {
		t.Fatal(err)
	}
	proxy.Freeze()
	defer proxy.Thaw()
	const calls, deadline = 6, 500 * time.Millisecond
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			var err error
			if i%2 == 0 {
				_, err = s.User(ctx, "here")
			} else {
				err = s.CreateUser(ctx, keyward.User{ID: "AIDAFROZEN" + string(rune('A'+i)), Name: "frozen" + string(rune('a'+i)), Path: "/", CreatedAt: time.Now()}, keyward.DefaultQuotas().Users)
			}
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("call %d with the server frozen: %v, want the context's deadline", i, err)
			}
			if took > deadline+time.Second {
				t.Errorf("call %d took %v, its deadline %v", i, took.Round(time.Millisecond), deadline)
			}
		}()
	}
	wg.Wait()
}

// TestWatchStopsWithItsContext: WatchAccessKeys returns only once the
// goroutine that holds its listening connection has ended, so that nothing
// of the watcher outlives the program's Close.
func TestWatchStopsWithItsContext(t *testing.T) {
	a, b := replicaPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan string, 100)
	done := make(chan struct{})
	go func() {
		b.WatchAccessKeys(ctx, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)), func(id string) { heard <- id })
		close(done)
	}()
	// A change heard proves the listening connection is up (a change made
	// before its LISTEN is heard only at the hourly resync: make another).
	must(t, a.CreateUser(ctx, keyward.User{ID: "AIDASTOP0000000000000", Name: "s", Path: "/", CreatedAt: time.Now()}, keyward.DefaultQuotas().Users))
	listening := false
	for i := 0; i < 50 && !listening; i++ {
		k := keyward.AccessKey{ID: fmt.Sprintf("AKIASTOP%012d", i), Status: keyward.StatusActive, CreatedAt: time.Now(), SealedSecret: []byte("x")}
		_, err := a.CreateAccessKey(ctx, "s", k)
		must(t, err)
		select {
		case <-heard:
			listening = true
		case <-time.After(200 * time.Millisecond):
		}
		must(t, a.DeleteAccessKey(ctx, "s", k.ID))
	}
	if !listening {
		t.Fatal("the watcher heard no change")
	}
	cancel()
	<-done
	buf := make([]byte, 1<<20)
	if n := runtime.Stack(buf, true); bytes.Contains(buf[:n], []byte("postgres.(*Store).listen")) {
		t.Fatalf("WatchAccessKeys returned while its listening goroutine still runs:\n%s", buf[:n])
	}
}

// TestWriteWithoutAnAccountOnAFullPool: a store that knows no account
// yet looks for one again when a write asks for its account, inside the
// write's transaction. When every other pooled connection was held by
// work waiting for that write (here the background work of Exclusive,
// which writes while it holds its connection; under load, writers queued
// on the row the write had locked), the write waited for a connection
// for ever, or until the server's statement timeout failed the others
// (the conformance suite's twenty concurrent writers, on a loaded
// machine).
func TestWriteWithoutAnAccountOnAFullPool(t *testing.T) {
	s, err := postgres.Open(context.Background(), migrated(t), postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	stuck := false // then Close would wait for the connections for ever
	defer func() {
		if !stuck {
			s.Close()
		}
	}()
	ctx := context.Background()
	if err := s.CreateUser(ctx, keyward.User{ID: "AIDAPOOL", Name: "pool", Path: "/", CreatedAt: time.Now()}, keyward.DefaultQuotas().Users); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Exclusive(ctx, "full-pool", func(ctx context.Context) error {
			// This connection is one of two: the write's transaction
			// takes the other.
			_, err := s.CreateAccessKey(ctx, "pool", keyward.AccessKey{ID: "AKIAPOOL000000000001", Status: keyward.StatusActive,
				CreatedAt: time.Now(), SealedSecret: []byte("sealed")})
			return err
		})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		stuck = true
		t.Fatal("the write waited 30 s for a pooled connection held until it ended")
	}
	if _, err := s.AccessKey(ctx, "AKIAPOOL000000000001"); err != nil {
		t.Fatal(err)
	}
}
