package main

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/postgres/pgtest"
)

// TestRequestDeadlineWithPostgresFrozen: with PostgreSQL frozen and more
// concurrent requests than pooled connections, every request is answered
// ServiceUnavailable within its deadline, waiting for a pooled connection
// included, and requests succeed again once the database is back. Each
// statement had a deadline, the request none: in a 40 s freeze with 16
// clients and 10 pooled connections requests took up to 21 s. It lives
// here for what only keyward serve puts together: --request-timeout around
// the API and the console alike, and the pool --db-max-conns sizes.
func TestRequestDeadlineWithPostgresFrozen(t *testing.T) {
	proxy, url := pgtest.NewProxy(t, pgtest.Schema(t))
	const deadline = time.Second
	ts := startServerWith(t, "", func(m *Main) {
		m.Config.DatabaseURL = url
		m.Config.DBMaxConns = 3
		// One statement alone may outlast the request's deadline.
		m.Config.DBStatementTimeout = 5 * time.Second
		m.Config.RequestTimeout = deadline
	})
	ctx := context.Background()
	if _, err := ts.rootIAM().ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	web := newWebClient(t, ts)
	if resp := web.SignIn(rootForm(rootSecret)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console sign-in: %d", resp.StatusCode)
	}

	proxy.Freeze()
	const clients = 12 // four times the pool
	var wg sync.WaitGroup
	took := make([]time.Duration, clients)
	errs := make([]error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			_, errs[i] = ts.rootIAM().ListUsers(ctx, &iam.ListUsersInput{})
			took[i] = time.Since(start)
		}()
	}
	// The console's pages too.
	var consoleStatus int
	var consoleTook time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		resp, err := web.HTTP.Get(ts.URL + "/console/users")
		consoleTook = time.Since(start)
		if err == nil {
			consoleStatus = resp.StatusCode
			resp.Body.Close()
		}
	}()
	wg.Wait()
	proxy.Thaw()
	if consoleStatus != http.StatusServiceUnavailable || consoleTook > deadline+time.Second {
		t.Errorf("the console's users page: %d after %v", consoleStatus, consoleTook.Round(time.Millisecond))
	}
	for i := range clients {
		// The answer comes as the deadline passes; a second of margin for a
		// loaded machine.
		if took[i] > deadline+time.Second {
			t.Errorf("request %d answered after %v (deadline %v)", i, took[i].Round(time.Millisecond), deadline)
		}
		wantAPIError(t, errs[i], "ServiceUnavailable", http.StatusServiceUnavailable, "")
	}

	stop := time.Now().Add(10 * time.Second)
	for {
		_, err := ts.rootIAM().ListUsers(ctx, &iam.ListUsersInput{})
		if err == nil {
			break
		}
		if time.Now().After(stop) {
			t.Fatalf("no recovery 10 s after the database came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
