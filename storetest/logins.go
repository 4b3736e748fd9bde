package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

func loginTests() []namedTest {
	return []namedTest{
		{"LoginProfiles", testLoginProfiles},
		{"PasswordPolicy", testPasswordPolicy},
		{"CredentialReportState", testCredentialReportState},
		{"ScanCredentials", testScanCredentials},
		{"Exclusive", testExclusive},
		{"RevokedSessions", testRevokedSessions},
		{"UseOnce", testUseOnce},
		{"ConcurrentLoginProfileUpdates", testConcurrentLoginProfileUpdates},
		{"EndConsoleSessions", testEndConsoleSessions},
	}
}

func testLoginProfiles(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "Sam")
	p := keyward.LoginProfile{PasswordHash: "$argon2id$hash1", ResetRequired: true, CreatedAt: t0, ChangedAt: t0}
	must(t, s.CreateLoginProfile(ctx, "sam", p))
	wantErr(t, s.CreateLoginProfile(ctx, "sam", p), keyward.ErrLoginProfileExists)
	wantErr(t, s.CreateLoginProfile(ctx, "nobody", p), keyward.ErrNoSuchUser)
	got, err := s.LoginProfile(ctx, "SAM")
	must(t, err)
	if got.UserName != "Sam" || got.PasswordHash != "$argon2id$hash1" || !got.ResetRequired || !got.CreatedAt.Equal(t0) || !got.LastUsed.IsZero() || len(got.History) != 0 {
		t.Fatalf("login profile %+v", got)
	}
	set := func(p keyward.LoginProfile) func(keyward.LoginProfile) (keyward.LoginProfile, error) {
		return func(keyward.LoginProfile) (keyward.LoginProfile, error) { return p, nil }
	}
	got.PasswordHash, got.ResetRequired, got.ChangedAt = "$argon2id$hash2", false, t0.Add(time.Hour)
	got.History, got.LastUsed = []string{"$argon2id$hash1"}, t0.Add(2*time.Hour)
	must(t, s.UpdateLoginProfile(ctx, "sam", set(got), time.Time{}))
	// fn's error changes nothing.
	boom := errors.New("boom")
	wantErr(t, s.UpdateLoginProfile(ctx, "sam", func(keyward.LoginProfile) (keyward.LoginProfile, error) { return p, boom }, t0.Add(time.Hour)), boom)
	again, err := s.LoginProfile(ctx, "sam")
	must(t, err)
	if again.PasswordHash != "$argon2id$hash2" || again.ResetRequired || !again.ChangedAt.Equal(t0.Add(time.Hour)) ||
		!again.CreatedAt.Equal(t0) || !again.LastUsed.Equal(t0.Add(2*time.Hour)) || len(again.History) != 1 {
		t.Fatalf("updated %+v", again)
	}
	wantErr(t, s.DeleteUser(ctx, "sam"), keyward.ErrEntityInUse)
	if u, _ := s.User(ctx, "sam"); !u.SessionsAfter.IsZero() {
		t.Fatalf("sessions ended by a failed update: %v", u.SessionsAfter)
	}
	must(t, s.DeleteLoginProfile(ctx, "sam", t0.Add(3*time.Hour)))
	if u, _ := s.User(ctx, "sam"); !u.SessionsAfter.Equal(t0.Add(3 * time.Hour)) {
		t.Fatalf("sessions after deleting the login profile: %v", u.SessionsAfter)
	}
	_, err = s.LoginProfile(ctx, "sam")
	wantErr(t, err, keyward.ErrNoLoginProfile)
	wantErr(t, s.DeleteLoginProfile(ctx, "sam", t0), keyward.ErrNoLoginProfile)
	wantErr(t, s.UpdateLoginProfile(ctx, "sam", set(got), time.Time{}), keyward.ErrNoLoginProfile)
	wantErr(t, s.UpdateLoginProfile(ctx, "nobody", set(got), time.Time{}), keyward.ErrNoSuchUser)
	_, err = s.LoginProfile(ctx, "nobody")
	wantErr(t, err, keyward.ErrNoSuchUser)
	must(t, s.DeleteUser(ctx, "sam"))
}

func testPasswordPolicy(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, err := s.PasswordPolicy(ctx)
	wantErr(t, err, keyward.ErrNoPasswordPolicy)
	wantErr(t, s.DeletePasswordPolicy(ctx), keyward.ErrNoPasswordPolicy)
	pp := keyward.PasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, MaxPasswordAge: 90, PasswordReusePrevention: 5}
	must(t, s.PutPasswordPolicy(ctx, pp))
	pp.RequireNumbers = true
	must(t, s.PutPasswordPolicy(ctx, pp))
	got, err := s.PasswordPolicy(ctx)
	must(t, err)
	if got != pp {
		t.Fatalf("policy %+v, want %+v", got, pp)
	}
	must(t, s.DeletePasswordPolicy(ctx))
	_, err = s.PasswordPolicy(ctx)
	wantErr(t, err, keyward.ErrNoPasswordPolicy)
}

func testCredentialReportState(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, err := s.CredentialReport(ctx)
	wantErr(t, err, keyward.ErrNoReport)
	must(t, s.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportInProgress, StartedAt: t0}))
	r, err := s.CredentialReport(ctx)
	must(t, err)
	if r.State != keyward.ReportInProgress || !r.StartedAt.Equal(t0) || len(r.Content) != 0 {
		t.Fatalf("report %+v", r)
	}
	content := []byte("user,arn\n<root_account>,arn:aws:iam::123456789012:root\n")
	must(t, s.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportComplete, StartedAt: t0, GeneratedAt: t0.Add(time.Second), Content: content}))
	r, err = s.CredentialReport(ctx)
	must(t, err)
	if r.State != keyward.ReportComplete || !r.GeneratedAt.Equal(t0.Add(time.Second)) || string(r.Content) != string(content) {
		t.Fatalf("report %+v", r)
	}
	// A new generation keeps the last complete report until it is done.
	must(t, s.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportComplete, StartedAt: t0, SnapshotAt: t0.Add(time.Millisecond),
		GeneratedAt: t0.Add(time.Second), Content: content}))
	must(t, s.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportInProgress, StartedAt: t0.Add(time.Hour)}))
	r, err = s.CredentialReport(ctx)
	must(t, err)
	if r.State != keyward.ReportInProgress || !r.StartedAt.Equal(t0.Add(time.Hour)) || !r.SnapshotAt.Equal(t0.Add(time.Millisecond)) ||
		!r.GeneratedAt.Equal(t0.Add(time.Second)) || string(r.Content) != string(content) {
		t.Fatalf("report in progress after a complete one: %+v", r)
	}
}

func testScanCredentials(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	// Created out of order; keys of one user in the same second.
	for _, name := range []string{"delta", "alpha", "charlie", "bravo"} {
		createUser(t, s, name)
	}
	var ids []string
	for i := 0; i < 2; i++ {
		k := key()
		ids = append(ids, k.ID)
		_, err := s.CreateAccessKey(ctx, "charlie", k)
		must(t, err)
	}
	must(t, s.UpdateAccessKey(ctx, "charlie", ids[0], keyward.StatusInactive, time.Now()))
	used := keyward.LastUse{Time: t0.Add(time.Hour), Service: "sts", Region: "eu-west-1"}
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{{AccessKeyID: ids[1], LastUse: used}}))
	bk := key()
	_, err := s.CreateAccessKey(ctx, "bravo", bk)
	must(t, err)
	must(t, s.CreateLoginProfile(ctx, "alpha", keyward.LoginProfile{PasswordHash: "h", CreatedAt: t0, ChangedAt: t0.Add(time.Minute)}))

	var seen []string
	must(t, s.ScanCredentials(ctx, func(c *keyward.UserCredentials) error {
		line := c.User.Name
		if c.Login != nil {
			line += " login@" + c.Login.ChangedAt.Format(time.TimeOnly)
		}
		for _, k := range c.Keys {
			line += fmt.Sprintf(" %s:%s", k.ID, k.Status)
			if !k.LastUsed.IsZero() {
				line += "@" + k.LastUsed.Region + "/" + k.LastUsed.Service
			}
		}
		seen = append(seen, line)
		return nil
	}))
	want := []string{
		"alpha login@05:26:50",
		"bravo " + bk.ID + ":Active",
		"charlie " + ids[0] + ":Inactive " + ids[1] + ":Active@eu-west-1/sts",
		"delta",
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("scanned:\n%v\nwant:\n%v", seen, want)
	}
}

func testExclusive(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	var inside atomic.Int32
	ran, err := s.Exclusive(ctx, "job", func(ctx context.Context) error {
		inside.Add(1)
		again, err := s.Exclusive(ctx, "job", func(context.Context) error {
			t.Error("ran while the same work was running")
			return nil
		})
		if again || err != nil {
			t.Errorf("nested run %v %v", again, err)
		}
		other, err := s.Exclusive(ctx, "other", func(context.Context) error { return nil })
		if !other || err != nil {
			t.Errorf("other work did not run: %v %v", other, err)
		}
		return nil
	})
	if !ran || err != nil || inside.Load() != 1 {
		t.Fatalf("ran %v, %v", ran, err)
	}
	ran, _ = s.Exclusive(ctx, "job", func(context.Context) error { return nil })
	if !ran {
		t.Fatal("work did not run again after the first finished")
	}
}

func testRevokedSessions(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	revoked, err := s.SessionRevoked(ctx, "s1")
	must(t, err)
	if revoked {
		t.Fatal("a session revoked before any revocation")
	}
	must(t, s.RevokeSession(ctx, "s1", time.Now().Add(time.Hour)))
	must(t, s.RevokeSession(ctx, "s1", time.Now().Add(time.Hour))) // again: no change
	revoked, err = s.SessionRevoked(ctx, "s1")
	must(t, err)
	other, err := s.SessionRevoked(ctx, "s2")
	must(t, err)
	if !revoked || other {
		t.Fatalf("s1 revoked %v, s2 revoked %v", revoked, other)
	}
}

// testUseOnce: of many uses of one single-use token, racing, exactly one
// is the first; a used token is forgotten once expired, and then (its
// sealed expiry refusing it anyway) could be recorded again.
func testUseOnce(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	var firsts atomic.Int32
	concurrently(8, func(int) {
		first, err := s.UseOnce(ctx, "tok-1", t0, t0.Add(time.Minute))
		must(t, err)
		if first {
			firsts.Add(1)
		}
	})
	if firsts.Load() != 1 {
		t.Fatalf("%d first uses of one token", firsts.Load())
	}
	other, err := s.UseOnce(ctx, "tok-2", t0, t0.Add(time.Minute))
	must(t, err)
	again, err := s.UseOnce(ctx, "tok-1", t0.Add(30*time.Second), t0.Add(time.Minute))
	must(t, err)
	if !other || again {
		t.Fatalf("another token first %v; the used one again first %v", other, again)
	}
	// Past its expiry the record is pruned.
	later, err := s.UseOnce(ctx, "tok-3", t0.Add(2*time.Minute), t0.Add(3*time.Minute))
	must(t, err)
	pruned, err := s.UseOnce(ctx, "tok-1", t0.Add(2*time.Minute), t0.Add(3*time.Minute))
	must(t, err)
	if !later || !pruned {
		t.Fatalf("after expiry: tok-3 first %v, tok-1 forgotten %v", later, pruned)
	}
}

// testConcurrentLoginProfileUpdates: updates that each read the profile and
// add to it lose none of each other's changes. UpdateLoginProfile once read,
// changed and wrote in separate steps.
func testConcurrentLoginProfileUpdates(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "pat")
	must(t, s.CreateLoginProfile(ctx, "pat", keyward.LoginProfile{PasswordHash: "h0", CreatedAt: t0, ChangedAt: t0}))
	const n = 20
	errs := concurrentErrors(n, func(i int) error {
		return s.UpdateLoginProfile(ctx, "pat", func(p keyward.LoginProfile) (keyward.LoginProfile, error) {
			p.History = append(p.History, fmt.Sprintf("h%d", i+1))
			p.PasswordHash = fmt.Sprintf("h%d", i+1)
			return p, nil
		}, time.Time{})
	})
	for err := range errs {
		must(t, err)
	}
	p, err := s.LoginProfile(ctx, "pat")
	must(t, err)
	if len(p.History) != n {
		t.Fatalf("%d of %d concurrent updates kept: %v", len(p.History), n, p.History)
	}
}

func testEndConsoleSessions(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "quinn")
	must(t, s.EndConsoleSessions(ctx, "quinn", t0.Add(time.Hour)))
	// The cut-off only moves forward.
	must(t, s.EndConsoleSessions(ctx, "quinn", t0))
	u, err := s.User(ctx, "quinn")
	must(t, err)
	if !u.SessionsAfter.Equal(t0.Add(time.Hour)) {
		t.Fatalf("sessions after %v", u.SessionsAfter)
	}
	wantErr(t, s.EndConsoleSessions(ctx, "nobody", t0), keyward.ErrNoSuchUser)
	must(t, s.CreateLoginProfile(ctx, "quinn", keyward.LoginProfile{PasswordHash: "h", CreatedAt: t0, ChangedAt: t0}))
	must(t, s.UpdateLoginProfile(ctx, "quinn", func(p keyward.LoginProfile) (keyward.LoginProfile, error) {
		p.PasswordHash = "h2"
		return p, nil
	}, t0.Add(2*time.Hour)))
	if u, _ := s.User(ctx, "quinn"); !u.SessionsAfter.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("a password set did not end the sessions: %v", u.SessionsAfter)
	}
}

func init() { suite(loginTests()...) }
