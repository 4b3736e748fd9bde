package iam_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/password"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/seal"
)

// wantCode is kwtest's, under the name the tests here call.
var wantCode = kwtest.WantCode

// account is the test account's ID.
const account = "123456789012"

// newService is the IAM Service alone on a SQLite store in a temporary
// directory, with cheap password hashing.
func newService(t *testing.T) *iam.Service {
	t.Helper()
	st := kwtest.OpenStore(t)
	sealer, err := seal.New(bytes.Repeat([]byte{1}, 32), rand.Reader)
	must(t, err)
	now := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	return &iam.Service{Store: st, Sealer: sealer, Authz: kwtest.InitAccount(t, st, sealer, now), Now: now, Rand: rand.Reader,
		Policies: policy.Engine{}, Passwords: &password.Hasher{Memory: 1024, Time: 1, Threads: 1}}
}

func TestLoginProfiles(t *testing.T) {
	ctx := keyward.Internal(context.Background())
	s := newService(t)
	_, err := s.CreateUser(ctx, "dora", "/", nil)
	must(t, err)
	// AWS's default policy: 8 characters, three kinds of four.
	_, err = s.CreateLoginProfile(ctx, "dora", "short1A", false)
	wantCode(t, err, keyward.EPasswordPolicyViolation)
	_, err = s.CreateLoginProfile(ctx, "dora", "alllowercase", false)
	wantCode(t, err, keyward.EPasswordPolicyViolation)
	lp, err := s.CreateLoginProfile(ctx, "dora", "Correct-Horse-1", true)
	must(t, err)
	if !lp.ResetRequired || strings.Contains(lp.PasswordHash, "Correct") {
		t.Fatalf("profile %+v", lp)
	}
	_, err = s.CreateLoginProfile(ctx, "dora", "Correct-Horse-2", false)
	wantCode(t, err, keyward.EEntityAlreadyExists)

	must(t, s.PutPasswordPolicy(ctx, keyward.PasswordPolicy{MinimumPasswordLength: 12, RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, PasswordReusePrevention: 2, MaxPasswordAge: 30}))
	err = s.UpdateLoginProfile(ctx, "dora", ptr("Horse-Two1!"), nil)
	if keyward.ErrorMessage(err) != "Password does not conform to the account password policy. Password should have a minimum length of 12." {
		t.Fatalf("policy violation: %v", err)
	}
	// dora changes her own password, as the account's policy allows.
	pp, err := s.PasswordPolicy(ctx)
	must(t, err)
	pp.AllowUsersToChangePassword = true
	must(t, s.PutPasswordPolicy(ctx, pp))
	dora := keyward.WithCaller(context.Background(), &keyward.RequestContext{
		Principal: keyward.Principal{AccountID: account, UserID: "x", UserName: "dora", UserPath: "/"}})
	wantCode(t, s.ChangePassword(dora, "wrong-Password-1", "Brand-New-Passw0rd!"), keyward.EInvalidUserType)
	must(t, s.ChangePassword(dora, "Correct-Horse-1", "Brand-New-Passw0rd!"))
	// The last two passwords may not come back.
	err = s.ChangePassword(dora, "Brand-New-Passw0rd!", "Correct-Horse-1")
	if keyward.ErrorMessage(err) != "Password does not conform to the account password policy. Password should not be one of your last 2 passwords." {
		t.Fatalf("reuse of the first password: %v", err)
	}
	must(t, s.ChangePassword(dora, "Brand-New-Passw0rd!", "Another-Passw0rd!"))
	err = s.ChangePassword(dora, "Another-Passw0rd!", "Brand-New-Passw0rd!")
	if keyward.ErrorMessage(err) != "Password does not conform to the account password policy. Password should not be one of your last 2 passwords." {
		t.Fatalf("reuse of the previous password: %v", err)
	}
	got, err := s.LoginProfile(ctx, "dora")
	must(t, err)
	if got.ResetRequired {
		t.Fatal("ChangePassword left the reset required")
	}
	wantCode(t, s.ChangePassword(ctx, "a", "b"), keyward.EInvalidUserType)
	must(t, s.DeleteLoginProfile(ctx, "dora"))
	_, err = s.LoginProfile(ctx, "dora")
	if keyward.ErrorMessage(err) != "Login Profile for User dora cannot be found." {
		t.Fatalf("after delete: %v", err)
	}
	must(t, s.DeletePasswordPolicy(ctx))
	_, err = s.PasswordPolicy(ctx)
	var e *keyward.Error
	if !errors.As(err, &e) || e.Code != keyward.ENoSuchEntity {
		t.Fatalf("deleted policy: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestSignInDecoy: an unknown user's refusal is hashed for as long as a
// known user's wrong password, against a decoy made with today's
// parameters by the first refusal that needs it. A failure to make it is
// not kept: too busy, it is the sign-in's answer; any other failure
// answers as the refusal does. The next refusal makes the decoy, and the
// ones after check it, each a hash's work.
func TestSignInDecoy(t *testing.T) {
	s := newService(t)
	today := &password.Hasher{Memory: 1024, Time: 1, Threads: 1}
	h := &countingHasher{PasswordHasher: today, failNext: []error{password.ErrBusy, errors.New("no randomness")}}
	s.Passwords = h
	signIn := func() error {
		_, _, err := s.SignInUser(context.Background(), account, "nobody", "Correct-Horse-1")
		return err
	}
	wantCode(t, signIn(), keyward.EServiceUnavailable)
	wantCode(t, signIn(), keyward.EAccessDenied)
	wantCode(t, signIn(), keyward.EAccessDenied)
	if h.made != 3 || h.verified != 0 {
		t.Fatalf("%d hashes made and %d checked after three refusals, want 3 and 0 (the decoy made at the third)", h.made, h.verified)
	}
	for range 2 {
		wantCode(t, signIn(), keyward.EAccessDenied)
	}
	if h.made != 3 || h.verified != 2 || !today.Current(h.checked) {
		t.Fatalf("%d hashes made and %d checked (%q) after five refusals, want 3 and 2 of a hash of today's parameters", h.made, h.verified, h.checked)
	}

	// A stored hash the hasher refuses unhashed (none it writes: here of
	// no passes) is refused after the decoy's hash, not at once.
	ctx := keyward.Internal(context.Background())
	_, err := s.CreateUser(ctx, "erin", "/", nil)
	must(t, err)
	_, err = s.CreateLoginProfile(ctx, "erin", "Correct-Horse-1", false)
	must(t, err)
	must(t, s.Store.UpdateLoginProfile(ctx, "erin", func(lp keyward.LoginProfile) (keyward.LoginProfile, error) {
		lp.PasswordHash = strings.Replace(lp.PasswordHash, ",t=1,", ",t=0,", 1)
		return lp, nil
	}, time.Time{}))
	before := h.verified
	_, _, err = s.SignInUser(context.Background(), account, "erin", "Correct-Horse-1")
	wantCode(t, err, keyward.EAccessDenied)
	if n := h.verified - before; n != 2 || !today.Current(h.checked) {
		t.Fatalf("%d checks (the last of %q) for a malformed hash, want 2: it and the decoy", n, h.checked)
	}
}

// TestSignInRehashesOldParameters: a right password whose hash was made
// with other parameters than the hasher's now is hashed again at sign-in,
// with today's: checked with its own, such a hash answers in another time
// than the decoy a refusal of an unknown user is checked against, which
// tells that the user exists. The password's age and everything else of
// the login profile stay; a wrong password changes nothing.
func TestSignInRehashesOldParameters(t *testing.T) {
	ctx := keyward.Internal(context.Background())
	s := newService(t)
	_, err := s.CreateUser(ctx, "erin", "/", nil)
	must(t, err)
	_, err = s.CreateLoginProfile(ctx, "erin", "Correct-Horse-1", false)
	must(t, err)
	before, err := s.Store.LoginProfile(ctx, "erin")
	must(t, err)
	today := &password.Hasher{Memory: 2048, Time: 1, Threads: 1}
	if today.Current(before.PasswordHash) {
		t.Fatalf("%s is current under other parameters", before.PasswordHash)
	}
	s.Passwords = today

	_, _, err = s.SignInUser(context.Background(), account, "erin", "Wrong-Horse-1")
	wantCode(t, err, keyward.EAccessDenied)
	if lp, _ := s.Store.LoginProfile(ctx, "erin"); lp.PasswordHash != before.PasswordHash {
		t.Fatal("a wrong password changed the hash")
	}
	_, _, err = s.SignInUser(context.Background(), account, "erin", "Correct-Horse-1")
	must(t, err)
	after, err := s.Store.LoginProfile(ctx, "erin")
	must(t, err)
	if !today.Current(after.PasswordHash) || !strings.Contains(after.PasswordHash, "m=2048,") {
		t.Fatalf("the hash after the sign-in is %s, want today's parameters", after.PasswordHash)
	}
	if !after.ChangedAt.Equal(before.ChangedAt) || after.ResetRequired != before.ResetRequired {
		t.Fatalf("the profile changed beyond its hash: %+v, was %+v", after, before)
	}
	if _, _, err := s.SignInUser(context.Background(), account, "erin", "Correct-Horse-1"); err != nil {
		t.Fatalf("the password after the rehash: %v", err)
	}
}
