package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/report"
	"github.com/keyward/keyward/sqlite"
)

// BenchmarkCredentialReport generates the credential report of 100,000
// users with two keys each (one used), streamed from SQLite:
//
//	go test -run '^$' -bench CredentialReport -benchtime 3x ./sqlite/
func BenchmarkCredentialReport(b *testing.B) {
	sizes := []int{10000, 100000}
	if testing.Short() { // make test's one run: that it runs, not its scale
		sizes = []int{1000}
	}
	for _, users := range sizes {
		b.Run(fmt.Sprint(users), func(b *testing.B) { benchmarkReport(b, users) })
	}
}

func benchmarkReport(b *testing.B, users int) {
	ctx := keyward.Internal(context.Background())
	path := filepath.Join(b.TempDir(), "keyward.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	a, err := st.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: now}, nil)
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	seed(b, path, a.ID, users, now)
	st, err = sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	az := &authz.Authorizer{Store: st, Policies: policy.Engine{}, Now: time.Now}
	az.SetAccount(a)
	s := &report.Service{Store: st, Authz: az, Now: time.Now, Rand: rand.Reader, Policies: policy.Engine{}}
	defer s.Close()
	var before, after runtime.MemStats
	var size int
	peak := trackPeakHeap()
	defer peak.stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, _, err := s.GenerateCredentialReport(ctx); err != nil {
			b.Fatal(err)
		}
		s.Wait()
		runtime.ReadMemStats(&after)
		r, err := s.CredentialReport(ctx)
		if err != nil {
			b.Fatal(err)
		}
		size = len(r.Content)
	}
	b.ReportMetric(float64(size)/1e6, "csv-MB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/1e6, "alloc-MB/op")
	b.ReportMetric(float64(peak.stop())/1e6, "peak-heap-MB")
}

// peakHeap samples the live heap while a benchmark runs.
type peakHeap struct {
	done chan struct{}
	max  chan uint64
}

func trackPeakHeap() *peakHeap {
	p := &peakHeap{done: make(chan struct{}), max: make(chan uint64, 1)}
	go func() {
		var m runtime.MemStats
		var max uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				p.max <- max
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > max {
					max = m.HeapInuse
				}
			}
		}
	}()
	return p
}

// stop ends the sampling (once) and returns the peak.
func (p *peakHeap) stop() uint64 {
	select {
	case <-p.done:
	default:
		close(p.done)
		v := <-p.max
		p.max <- v
	}
	v := <-p.max
	p.max <- v
	return v
}

// seed writes users and keys of the account straight into the database:
// through the store, 300,000 durable writes would take minutes.
func seed(b *testing.B, path, account string, users int, now time.Time) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, _ := db.Begin()
	u, _ := tx.Prepare(`INSERT INTO users (id, account_id, name, name_fold, path, created_at) VALUES (?, ?, ?, ?, '/', ?)`)
	k, _ := tx.Prepare(`INSERT INTO access_keys (id, account_id, user_id, status, created_at, sealed_secret, last_used_at, last_used_service, last_used_region)
		VALUES (?, ?, ?, 'Active', ?, x'00', ?, ?, ?)`)
	sealed := now.UnixNano()
	for i := 0; i < users; i++ {
		id, name := fmt.Sprintf("AIDA%017d", i), fmt.Sprintf("user%06d", i)
		if _, err := u.Exec(id, account, name, name, sealed); err != nil {
			b.Fatal(err)
		}
		if _, err := k.Exec(fmt.Sprintf("AKIAA%015d", i), account, id, sealed, sealed, "s3", "eu-west-1"); err != nil {
			b.Fatal(err)
		}
		if _, err := k.Exec(fmt.Sprintf("AKIAB%015d", i), account, id, sealed, nil, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
