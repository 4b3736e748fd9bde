package report_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/report"
	"github.com/keyward/keyward/seal"
)

// must and wantCode are kwtest's, under the names the tests here call.
var (
	must     = kwtest.Must
	wantCode = kwtest.WantCode
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// account is the test account's ID; now the tests' start.
const account = "123456789012"

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// TestCredentialReportGolden fixes every column convention of the report
// for a fixed data set.
func TestCredentialReportGolden(t *testing.T) {
	a := keyward.Account{ID: account, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 10, 0, 0, 0, time.UTC) }
	policy := &keyward.PasswordPolicy{MinimumPasswordLength: 8, MaxPasswordAge: 90}
	var buf bytes.Buffer
	rw := report.NewReportWriter(&buf, policy)
	rw.Root(a, []keyward.AccessKey{{ID: "AKIAROOT000000000001", Status: keyward.StatusActive, CreatedAt: day(1),
		LastUsed: keyward.LastUse{Time: day(20), Service: "iam", Region: "us-east-1"}}}, false)
	users := []keyward.UserCredentials{
		// No password, no key.
		{User: keyward.User{Name: "alice", Path: "/", CreatedAt: day(2)}},
		// A password never used; one key never used, one inactive key used.
		{User: keyward.User{Name: "bob", Path: "/eng/", CreatedAt: day(3)},
			Login: &keyward.LoginProfile{ChangedAt: day(4)},
			Keys: []keyward.AccessKey{
				{ID: "AKIABOB0000000000001", Status: keyward.StatusActive, CreatedAt: day(5)},
				{ID: "AKIABOB0000000000002", Status: keyward.StatusInactive, CreatedAt: day(6),
					LastUsed: keyward.LastUse{Time: day(7), Service: "sts", Region: "eu-west-2"}},
			}},
		// A password used; one key.
		{User: keyward.User{Name: "carol", Path: "/", CreatedAt: day(8)},
			Login: &keyward.LoginProfile{ChangedAt: day(9), LastUsed: day(10)},
			Keys:  []keyward.AccessKey{{ID: "AKIACAROL00000000001", Status: keyward.StatusActive, CreatedAt: day(11)}}},
	}
	for i := range users {
		rw.User(a, &users[i])
	}
	must(t, rw.Flush())
	path := filepath.Join("testdata", "credential-report.csv")
	if *update {
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if buf.String() != string(want) {
		t.Fatalf("report differs from %s:\n%s", path, buf.String())
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	must(t, err)
	if len(rows) != 5 || len(rows[0]) != 22 || strings.Join(rows[0], ",") != strings.Join(report.CredentialReportColumns, ",") || rows[1][0] != "<root_account>" {
		t.Fatalf("report shape: %d rows, header %v", len(rows), rows[0])
	}
	for _, r := range rows {
		if len(r) != 22 {
			t.Fatalf("row of %d columns: %v", len(r), r)
		}
	}
}

// reportBench is the report Service with the IAM Service that makes what
// it reports, on a SQLite store in a temporary directory.
type reportBench struct {
	*report.Service
	iam *iam.Service
}

func newService(t *testing.T, clock *kwtest.Clock, maxAge time.Duration) *reportBench {
	t.Helper()
	st := kwtest.OpenStore(t)
	sealer, err := seal.New(bytes.Repeat([]byte{1}, 32), rand.Reader)
	must(t, err)
	az := kwtest.InitAccount(t, st, sealer, clock.Now)
	s := &iam.Service{Store: st, Sealer: sealer, Authz: az, Now: clock.Now, Rand: rand.Reader, Policies: policy.Engine{}}
	r := &report.Service{Store: st, Authz: az, Now: clock.Now, Rand: rand.Reader, Policies: policy.Engine{}, CredentialReportMaxAge: maxAge}
	t.Cleanup(func() { r.Close() })
	return &reportBench{Service: r, iam: s}
}

// generate asks s for a credential report, as a caller may at any time,
// and fails unless the answer is the state want; when says which call.
func generate(t *testing.T, s *reportBench, want, when string) {
	t.Helper()
	state, _, err := s.GenerateCredentialReport(keyward.Internal(context.Background()))
	must(t, err)
	if state != want {
		t.Fatalf("Generate %s: %s, want %s", when, state, want)
	}
}

func TestCredentialReportLifecycle(t *testing.T) {
	ctx := keyward.Internal(context.Background())
	clock := kwtest.NewClock(now)
	s := newService(t, clock, report.DefaultReportMaxAge)
	_, err := s.iam.CreateUser(ctx, "alice", "/", nil)
	must(t, err)

	_, err = s.CredentialReport(ctx)
	wantCode(t, err, keyward.EReportNotPresent)

	state, desc, err := s.GenerateCredentialReport(ctx)
	must(t, err)
	if state != keyward.ReportStarted || desc != "No report exists. Starting a new report generation task" {
		t.Fatalf("first Generate: %s %q", state, desc)
	}
	s.Wait()
	r, err := s.CredentialReport(ctx)
	must(t, err)
	if !strings.Contains(string(r.Content), "\nalice,arn:aws:iam::123456789012:user/alice,") || !r.GeneratedAt.Equal(now) {
		t.Fatalf("report %s at %v", r.Content, r.GeneratedAt)
	}
	// Within four hours the same report is served.
	clock.Add(3*time.Hour + 59*time.Minute)
	generate(t, s, keyward.ReportComplete, "within 4h")
	// After four hours it has expired, and Generate makes a new one.
	clock.Add(time.Minute)
	_, err = s.CredentialReport(ctx)
	wantCode(t, err, keyward.EReportExpired)
	generate(t, s, keyward.ReportStarted, "after 4h")
	s.Wait()
	r, err = s.CredentialReport(ctx)
	must(t, err)
	if !r.GeneratedAt.Equal(now.Add(4 * time.Hour)) {
		t.Fatalf("new report generated at %v", r.GeneratedAt)
	}

	// While a report is being made (here: as if by another replica), once
	// the last one has expired: a young report would answer COMPLETE.
	clock.Add(4 * time.Hour)
	must(t, s.Store.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportInProgress, StartedAt: clock.Now()}))
	_, err = s.CredentialReport(ctx)
	wantCode(t, err, keyward.EReportInProgress)
	generate(t, s, keyward.ReportInProgress, "while in progress")
	// A generation abandoned by a replica that died is started again.
	clock.Add(6 * time.Minute)
	generate(t, s, keyward.ReportStarted, "after an abandoned one")
	s.Wait()
}

func TestCredentialReportMaxAgeZero(t *testing.T) {
	ctx := keyward.Internal(context.Background())
	clock := kwtest.NewClock(now)
	s := newService(t, clock, 0)
	for i := 0; i < 3; i++ {
		generate(t, s, keyward.ReportStarted, fmt.Sprintf("%d with max age 0", i))
		s.Wait()
		clock.Add(24 * time.Hour)
		if _, err := s.CredentialReport(ctx); err != nil {
			t.Fatalf("a report expired with max age 0: %v", err)
		}
	}
}

// TestCredentialReportPollingWithoutMaxAge: with max age 0 a requester that
// polls GenerateCredentialReport is answered COMPLETE after one generation,
// and its report holds every change made before its first call, also when
// two requesters poll at once. It used to start a new generation on every
// call, so that no poller ever finished.
func TestCredentialReportPollingWithoutMaxAge(t *testing.T) {
	ctx := keyward.Internal(context.Background())
	clock := kwtest.NewClock(now)
	s := newService(t, clock, 0)
	// Each poller is the root user with a key of its own.
	as := func(requester string) context.Context {
		return keyward.WithCaller(context.Background(), &keyward.RequestContext{
			Principal: keyward.Principal{AccountID: account, Root: true}, AccessKeyID: requester, UserAgent: "test"})
	}
	poll := func(requester string) string {
		t.Helper()
		state, _, err := s.GenerateCredentialReport(as(requester))
		must(t, err)
		clock.Add(time.Millisecond)
		return state
	}
	report := func(requester string) string {
		t.Helper()
		r, err := s.CredentialReport(as(requester))
		must(t, err)
		return string(r.Content)
	}

	t.Run("one poller", func(t *testing.T) {
		_, err := s.iam.CreateUser(ctx, "before-first-call", "/", nil)
		must(t, err)
		if got := poll("cli"); got != keyward.ReportStarted {
			t.Fatalf("first call: %s", got)
		}
		second := poll("cli")
		if second != keyward.ReportInProgress && second != keyward.ReportComplete {
			t.Fatalf("while generating: %s", second)
		}
		s.Wait() // one generation's time
		// COMPLETE ends the round: a generation quick enough to finish before
		// the second call answered it then, and a third call would begin a
		// new round.
		if second == keyward.ReportInProgress {
			if got := poll("cli"); got != keyward.ReportComplete {
				t.Fatalf("after the generation: %s", got)
			}
		}
		if !strings.Contains(report("cli"), "\nbefore-first-call,") {
			t.Fatal("the report misses a user created before the first call")
		}
	})

	t.Run("a new round gets a new report", func(t *testing.T) {
		_, err := s.iam.CreateUser(ctx, "after-last-report", "/", nil)
		must(t, err)
		calls := 0
		for ; poll("cli") != keyward.ReportComplete; calls++ {
			s.Wait()
			if calls > 3 {
				t.Fatal("no COMPLETE after three generations")
			}
		}
		if !strings.Contains(report("cli"), "\nafter-last-report,") {
			t.Fatal("the new round's report misses a user created before it")
		}
	})

	t.Run("two pollers at once", func(t *testing.T) {
		if got := poll("prowler"); got != keyward.ReportStarted {
			t.Fatalf("prowler's first call: %s", got)
		}
		// A change after prowler's first call, before scoutsuite's: only
		// scoutsuite must see it; the generation under way may have missed it.
		_, err := s.iam.CreateUser(ctx, "between-the-two", "/", nil)
		must(t, err)
		// Prowler's generation may be under way (INPROGRESS) or done
		// already, too early for scoutsuite (a new one STARTED).
		if got := poll("scoutsuite"); got == keyward.ReportComplete {
			t.Fatalf("scoutsuite's first call: %s, before any report could hold the change", got)
		}
		done := map[string]int{}
		for round := 1; len(done) < 2; round++ {
			if round > 6 {
				t.Fatalf("pollers still waiting after %d polls each: %v", round, done)
			}
			s.Wait()
			for _, who := range []string{"prowler", "scoutsuite"} {
				if _, ok := done[who]; !ok && poll(who) == keyward.ReportComplete {
					done[who] = round
				}
			}
		}
		if !strings.Contains(report("scoutsuite"), "\nbetween-the-two,") {
			t.Fatal("scoutsuite's report misses a change made before its first call")
		}
		// Prowler was answered first; its GetCredentialReport still succeeds,
		// whatever generation scoutsuite started meanwhile.
		report("prowler")
		t.Logf("polls until COMPLETE: %v", done)
	})
}
