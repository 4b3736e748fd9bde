package report_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/report"
)

// blockingScan is the real store whose scan of the users waits until its
// context ends: a generation under way that only cancellation stops.
type blockingScan struct {
	report.Store
	entered chan struct{}
	left    chan error
}

func (b *blockingScan) ScanCredentials(ctx context.Context, fn func(*keyward.UserCredentials) error) error {
	close(b.entered)
	<-ctx.Done()
	b.left <- ctx.Err()
	return ctx.Err()
}

func newBlocking(t *testing.T) (*report.Service, *blockingScan) {
	t.Helper()
	st := kwtest.OpenStore(t)
	az := kwtest.InitAccount(t, st, nil, func() time.Time { return now })
	b := &blockingScan{Store: st, entered: make(chan struct{}), left: make(chan error, 1)}
	return &report.Service{Store: b, Authz: az, Policies: policy.Engine{}, Now: func() time.Time { return now }}, b
}

// TestBackgroundGenerationHasAnOwner: a credential report generated in
// the background stops with the program's lifetime and with Close, which
// returns only once it has; a Service closed starts no more.
func TestBackgroundGenerationHasAnOwner(t *testing.T) {
	ctx := keyward.Internal(context.Background())
	tests := []struct {
		name string
		stop func(s *report.Service, cancel context.CancelFunc)
	}{
		{"Close", func(s *report.Service, _ context.CancelFunc) { s.Close() }},
		{"the program's lifetime ends", func(s *report.Service, cancel context.CancelFunc) { cancel(); s.Wait() }},
		{"Shutdown past its deadline", func(s *report.Service, _ context.CancelFunc) {
			expired, cancel := context.WithCancel(context.Background())
			cancel()
			s.Shutdown(expired)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, b := newBlocking(t)
			lifetime, cancel := context.WithCancel(context.Background())
			defer cancel()
			s.Start(lifetime)
			if state, _, err := s.GenerateCredentialReport(ctx); err != nil || state != keyward.ReportStarted {
				t.Fatalf("GenerateCredentialReport: %s, %v", state, err)
			}
			<-b.entered
			tt.stop(s, cancel)
			select {
			case err := <-b.left:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("the generation ended with %v", err)
				}
			default:
				t.Fatal("the generation was still running when the Service's work was stopped")
			}
		})
	}
	t.Run("closed, it starts nothing", func(t *testing.T) {
		s, b := newBlocking(t)
		s.Close()
		_, _, err := s.GenerateCredentialReport(ctx)
		if keyward.ErrorCode(err) != keyward.EServiceUnavailable {
			t.Fatalf("GenerateCredentialReport after Close: %v", err)
		}
		if _, err := b.Store.CredentialReport(ctx); !errors.Is(err, keyward.ErrNoReport) {
			t.Fatalf("a refused generation left a report behind: %v", err)
		}
	})
}

// TestShutdownLetsTheReportFinish: within its deadline, Shutdown waits for
// the report being made, which is then complete.
func TestShutdownLetsTheReportFinish(t *testing.T) {
	ctx := keyward.Internal(context.Background())
	s := newService(t, kwtest.NewClock(now), 0)
	s.Start(context.Background())
	if _, _, err := s.GenerateCredentialReport(ctx); err != nil {
		t.Fatal(err)
	}
	must(t, s.Shutdown(context.Background()))
	r, err := s.Store.CredentialReport(ctx)
	if err != nil || r.State != keyward.ReportComplete {
		t.Fatalf("after Shutdown: %+v, %v", r.State, err)
	}
}
