package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/keyward/keyward"
)

// errSignIn is the one answer to every failed sign-in, so that it tells
// nothing of which part was wrong.
var errSignIn = keyward.Errorf(keyward.EAccessDenied, "Your authentication information is incorrect. Please try again.")

// errSignInNoUser is errSignIn for a form whose user name is no user of
// the account it names (or whose account is not here): the same answer,
// so that the caller learns nothing, but the audit trail does not keep a
// name that is no user's, which may be a password typed into the wrong
// field, as CloudTrail writes HIDDEN_DUE_TO_SECURITY_REASONS for it.
var errSignInNoUser = keyward.Errorf(errSignIn.Code, "%s", errSignIn.Message)

// NoSuchSignInUser reports whether err refused an IAM user's sign-in
// whose user name names no user: its ConsoleLogin event hides the name.
// It is that very error, not any of its code and message (which
// errors.Is would match), since the answer is errSignIn's word for word.
func NoSuchSignInUser(err error) bool {
	var e *keyward.Error
	return errors.As(err, &e) && e == errSignInNoUser
}

// SignInRoot checks the root user's console credentials: an active access
// key of a root user (of the account the key belongs to) and its secret, compared in constant time, and once
// the root user has an MFA device, a code of it, used once (mfa reports
// that one was). A wrong, missing or used code is refused as a wrong
// secret is. The code is checked only after the secret: a caller without
// the secret cannot spend the device's limit of wrong codes.
func (s *Service) SignInRoot(ctx context.Context, keyID, secret, code string) (p keyward.Principal, mfa bool, err error) {
	c, err := s.Credential(ctx, keyID)
	if err != nil || !c.Principal.Root || !c.Active || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return keyward.Principal{}, false, errSignIn
	}
	// The root user's MFA devices are those of the key's account.
	ctx = AccountContext(ctx, c.Principal.AccountID)
	f := keyward.MFAFilter{Assignment: keyward.MFAAssigned, Root: true}
	if code == "" {
		// No code: refused if the root user has a device, without
		// counting a guess against it.
		ds, _, err := s.store(ctx).ListMFADevices(ctx, f, "", 1)
		switch {
		case err != nil:
			return keyward.Principal{}, false, err
		case len(ds) > 0:
			return keyward.Principal{}, false, errSignIn
		}
		return c.Principal, false, nil
	}
	has, err := s.checkCode(ctx, f, code)
	switch {
	case !has && err == nil:
		return c.Principal, false, nil
	case err == nil:
		return c.Principal, true, nil
	case keyward.ErrorCode(err) == keyward.EInvalidAuthenticationCode:
		return keyward.Principal{}, false, errSignIn
	}
	return keyward.Principal{}, false, err
}

// RootSignInAccount resolves the account a root sign-in's key ID names:
// the account of the stored key of that ID (IDs are unique across the
// installation), whether the sign-in succeeds or not; ok is false for an
// ID of no key. The attempt's ConsoleLogin event is that account's, whose
// key was tried: another account's trail never shows it.
func (s *Service) RootSignInAccount(ctx context.Context, keyID string) (id string, ok bool) {
	if !keyward.WellFormedAccessKeyID(keyID) {
		return "", false
	}
	k, err := s.Store.AccessKey(ctx, keyID)
	if err != nil {
		return "", false
	}
	if k.AccountID == "" {
		return s.Account(ctx).ID, true
	}
	return k.AccountID, true
}

// SignInAccount resolves the account a sign-in form names, by its ID or
// its alias as on AWS's sign-in page, to the account's ID, in any account
// of the installation (aliases are unique across it); ok is false when it
// names no account here, or one that is not active (a closed account's
// users sign in no more, as on AWS). Limits on guessing key on what it
// returns, so that every spelling of the account shares one budget.
func (s *Service) SignInAccount(ctx context.Context, typed string) (id string, ok bool) {
	if typed == "" {
		return "", false
	}
	a, err := s.Store.AccountByID(ctx, typed)
	if err != nil {
		a, err = s.Store.AccountByAlias(ctx, typed)
	}
	if err != nil || (a.Status != "" && a.Status != keyward.AccountActive) {
		return "", false
	}
	return a.ID, true
}

// AccountContext returns ctx acting in the account id for the steps of a
// console sign-in, which run before anyone has signed in: the store's view
// and the account's settings (password policy, MFA devices) are that
// account's. It carries no identity but the account, and is never the
// context of an authorized action.
func AccountContext(ctx context.Context, id string) context.Context {
	return keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: id}})
}

// SignInUser checks an IAM user's console password in the account the
// form names (its ID or alias) and records its use; it also reports
// whether the password must be changed first. The principal returned is
// of that account. An account that is not here is refused as an unknown
// user is, after hashing as long: neither the answer nor its time tells
// which accounts exist.
func (s *Service) SignInUser(ctx context.Context, account, userName, password string) (keyward.Principal, bool, error) {
	id, ok := s.SignInAccount(ctx, account)
	if !ok {
		return keyward.Principal{}, false, s.decoyRefusal(password, errSignInNoUser)
	}
	ctx = AccountContext(ctx, id)
	u, err := s.store(ctx).User(ctx, userName)
	refusal := errSignInNoUser
	var lp keyward.LoginProfile
	if err == nil {
		refusal = errSignIn // a user's name, with or without a password
		lp, err = s.store(ctx).LoginProfile(ctx, userName)
	}
	if err != nil {
		// Hash anyway, so that how long a refusal takes does not tell which
		// user names have a password.
		return keyward.Principal{}, false, s.decoyRefusal(password, refusal)
	}
	if ok, err := s.Passwords.Verify(lp.PasswordHash, password); busy(err) {
		return keyward.Principal{}, false, err
	} else if err != nil {
		// A stored hash the hasher refuses unhashed (none it wrote) is
		// refused after the decoy's hash, as quickly as a wrong password.
		return keyward.Principal{}, false, s.decoyRefusal(password, errSignIn)
	} else if !ok {
		return keyward.Principal{}, false, errSignIn
	}
	// Past the password policy's MaxPasswordAge, as on AWS, the password
	// must be changed before anything else; with HardExpiry it signs in no
	// more, until an administrator resets it.
	expired, hard, err := s.passwordExpired(ctx, lp)
	if err != nil {
		return keyward.Principal{}, false, err
	}
	if expired && hard {
		return keyward.Principal{}, false, errHardExpired
	}
	if err := s.store(ctx).RecordPasswordUse(ctx, userName, s.Now().UTC()); err != nil {
		return keyward.Principal{}, false, err
	}
	if !s.Passwords.Current(lp.PasswordHash) {
		s.rehash(ctx, userName, lp.PasswordHash, password)
	}
	return keyward.Principal{AccountID: s.Account(ctx).ID, UserID: u.ID, UserName: u.Name, UserPath: u.Path}, lp.ResetRequired || expired, nil
}

// errPasswordChanged stops a rehash when the password changed since it
// was checked.
var errPasswordChanged = errors.New("iam: the password changed since the sign-in checked it")

// rehash replaces the hash old of a user's right password with one made
// with the hasher's parameters now, unless the password changed meanwhile:
// a hash made with other parameters answers a sign-in in another time than
// the decoy an unknown user's is checked against. Nothing else of the
// login profile changes (the password's age is the password's, not the
// hash's), and it is no change of the request's, recorded with no event.
// A failure leaves the old hash, which the next sign-in replaces.
func (s *Service) rehash(ctx context.Context, userName, old, password string) {
	hash, err := s.Passwords.Hash(password)
	if err == nil {
		err = s.store(ctx).UpdateLoginProfile(ctx, userName, func(lp keyward.LoginProfile) (keyward.LoginProfile, error) {
			if lp.PasswordHash != old {
				return lp, errPasswordChanged
			}
			lp.PasswordHash = hash
			return lp, nil
		}, time.Time{})
	}
	if err != nil && !errors.Is(err, errPasswordChanged) {
		s.log().Warn("the password's hash was not made again with today's parameters", "user", userName, "error", err)
	}
}

// decoyRefusal hashes password against the decoy hash, as a refusal of a user
// that is not here takes as long as a user's wrong password, and returns
// refusal, or the hashing's own ServiceUnavailable when it was too busy to
// hash: a busy server answers every sign-in alike, a user's right password
// included, which is then neither refused as wrong nor counted as a guess
// (a flood of attempts would otherwise lock users out).
//
// The decoy is a hash of nothing in particular made with today's
// parameters, by the first refusal that needs it, which making it takes
// as long as checking it would. It is kept only once made: were a
// failure kept (too busy, no randomness), every later refusal would
// check a malformed hash without hashing, at once. A failure other than
// busy answers as the refusal does.
func (s *Service) decoyRefusal(password string, refusal error) error {
	if decoy := s.decoy.Load(); decoy != nil {
		if _, err := s.Passwords.Verify(*decoy, password); busy(err) {
			return err
		}
		return refusal
	}
	decoy, err := s.Passwords.Hash("keyward decoy password")
	if busy(err) {
		return err
	} else if err == nil {
		s.decoy.CompareAndSwap(nil, &decoy)
	}
	return refusal
}

// busy reports whether err is the password hashing's refusal to wait
// longer for its turn (password.ErrBusy).
func busy(err error) bool { return keyward.ErrorCode(err) == keyward.EServiceUnavailable }

// errHardExpired refuses an expired password under a policy with
// HardExpiry; it is told only to whoever gave the right password.
var errHardExpired = keyward.Errorf(keyward.EAccessDenied, "Your password has expired. An administrator must reset it before you can sign in.")

// passwordExpired reports whether a login profile's password is older than
// the account's password policy allows, and whether the policy then
// refuses it outright (HardExpiry).
func (s *Service) passwordExpired(ctx context.Context, lp keyward.LoginProfile) (expired, hard bool, err error) {
	pp, _, err := s.effectivePolicy(ctx)
	if err != nil {
		return false, false, err
	}
	next := pp.NextRotation(lp.ChangedAt)
	if next.IsZero() || lp.ChangedAt.IsZero() || s.Now().Before(next) {
		return false, false, nil
	}
	return true, pp.HardExpiry, nil
}
