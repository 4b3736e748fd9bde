package sts_test

import (
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestSwitchRoleDuration: the console's switch lasts as long as the role
// allows, never past the console session it switches from (but at least
// STS's 15 minutes, which the console cuts short), an hour from a role's
// session (a chain); it is named for the caller, and refused to the root
// user and as AssumeRole refuses a role that does not trust the caller.
func TestSwitchRoleDuration(t *testing.T) {
	// A clock of its own: on the wall clock a second could pass between
	// now below and the session's issue, and the durations be off by it.
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	k := kwtest.NewWithOptions(t, kwtest.Options{Now: clock.Now})
	root := kwtest.AsRoot(t.Context())
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	closed := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}`
	for name, r := range map[string]keyward.Role{
		"short":  {Name: "short", Path: "/", TrustPolicy: trust, MaxSessionDuration: 3600},
		"long":   {Name: "long", Path: "/", TrustPolicy: trust, MaxSessionDuration: 43200},
		"closed": {Name: "closed", Path: "/", TrustPolicy: closed, MaxSessionDuration: 3600},
	} {
		if _, err := k.IAM.CreateRole(root, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "long"}, "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	k.User(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	u, err := k.IAM.Store.User(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := k.STS.Now().UTC().Truncate(time.Second)
	alice := keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: "alice", UserPath: "/"}
	as := func(p keyward.Principal) *keyward.RequestContext {
		return &keyward.RequestContext{Principal: p, CurrentTime: now, Session: "console"}
	}
	long, err := k.STS.SwitchRole(keyward.WithCaller(t.Context(), as(alice)), "arn:aws:iam::123456789012:role/long", now.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	roleSession, err := k.STS.SwitchedPrincipal(t.Context(), alice, long.AccessKeyID, long.Token)
	if err != nil || roleSession.SessionName != "alice" {
		t.Fatalf("alice's role session: %+v, %v", roleSession, err)
	}
	for _, tc := range []struct {
		name   string
		caller keyward.Principal
		role   string
		until  time.Duration
		want   time.Duration
		code   string
	}{
		{"the role's maximum", alice, "short", 12 * time.Hour, time.Hour, ""},
		{"the console session's end", alice, "long", 2 * time.Hour, 2 * time.Hour, ""},
		{"at least 15 minutes", alice, "long", 5 * time.Minute, 15 * time.Minute, ""},
		{"a chain: an hour", roleSession, "long", 12 * time.Hour, time.Hour, ""},
		{"not trusted", alice, "closed", 12 * time.Hour, 0, keyward.EAccessDenied},
		{"the root user", keyward.Principal{AccountID: kwtest.AccountID, Root: true}, "long", 12 * time.Hour, 0, keyward.EAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ar, err := k.STS.SwitchRole(keyward.WithCaller(t.Context(), as(tc.caller)), "arn:aws:iam::123456789012:role/"+tc.role, now.Add(tc.until))
			if tc.code != "" {
				if keyward.ErrorCode(err) != tc.code {
					t.Fatalf("%v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ar.Expiration.Sub(now); got != tc.want {
				t.Fatalf("lasts %v, want %v", got, tc.want)
			}
			if want := "arn:aws:sts::123456789012:assumed-role/" + tc.role + "/alice"; ar.ARN != want {
				t.Fatalf("ARN %s, want %s", ar.ARN, want)
			}
		})
	}
}

// TestSwitchRoleCrossAccount: the console's Switch role takes a role of
// another account of the installation as AssumeRole does, and the
// switched session holds for as long as that account's role is the one
// it was issued for (read in the role's account, not the caller's).
func TestSwitchRoleCrossAccount(t *testing.T) {
	k := kwtest.New(t)
	const other = "210987654321"
	if err := k.Store.CreateAccount(t.Context(), keyward.Account{ID: other, CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	now := k.STS.Now().UTC().Truncate(time.Second)
	asOther := keyward.WithCaller(t.Context(), &keyward.RequestContext{Principal: keyward.Principal{AccountID: other, Root: true}, CurrentTime: now})
	if _, err := k.IAM.CreateRole(asOther, keyward.Role{Name: "ops", Path: "/", MaxSessionDuration: 3600,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + kwtest.AccountID + `"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	k.User(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	u, err := k.IAM.Store.User(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	alice := keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: "alice", UserPath: "/"}
	ar, err := k.STS.SwitchRole(keyward.WithCaller(t.Context(), &keyward.RequestContext{Principal: alice, CurrentTime: now, Session: "console"}),
		"arn:aws:iam::"+other+":role/ops", now.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + other + ":assumed-role/ops/alice"; ar.ARN != want {
		t.Fatalf("ARN %s, want %s", ar.ARN, want)
	}
	p, err := k.STS.SwitchedPrincipal(t.Context(), alice, ar.AccessKeyID, ar.Token)
	if err != nil || p.AccountID != other || p.RoleName != "ops" {
		t.Fatalf("the switched session: %+v, %v", p, err)
	}
	if err := k.IAM.DeleteRole(asOther, "ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.STS.SwitchedPrincipal(t.Context(), alice, ar.AccessKeyID, ar.Token); keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("the role deleted, the switched session holds: %v", err)
	}
}
