package sts

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
)

// RevokeSession ends a console session for good, on every replica.
func (s *Service) RevokeSession(ctx context.Context, id string, expires time.Time) error {
	return s.changing(ctx).RevokeSession(ctx, id, expires)
}

// SessionRevoked reports whether a console session was signed out.
func (s *Service) SessionRevoked(ctx context.Context, id string) (bool, error) {
	return s.Store.SessionRevoked(ctx, id)
}

// errSessionEnded is the answer for a session that no longer holds.
var errSessionEnded = keyward.Errorf(keyward.EAccessDenied, "Your console session has ended. Sign in again.")

// SessionPrincipal checks that a console session still holds and returns
// its principal: the root user's key must still be an active root key;
// the user must still exist, be the same user (not a new one of the same
// name), and not have had its sessions ended (a password reset, a deleted
// login profile, an administrator) since the session began; the account
// must not have been closed. The
// principal is of the session's account, and a credential of another
// account than the session names ends it.
func (s *Service) SessionPrincipal(ctx context.Context, sess keyward.ConsoleSession) (keyward.Principal, error) {
	ctx = iam.AccountContext(ctx, sess.AccountID)
	account := s.Account(ctx).ID
	// A closed account's console sessions end at their next request,
	// whoever signed in.
	if closed, err := s.IAM.AccountClosed(ctx, account); err != nil {
		return keyward.Principal{}, err
	} else if closed {
		return keyward.Principal{}, errSessionEnded
	}
	// A principal naming no account is the first account's, as the
	// session's is.
	other := func(p keyward.Principal) bool {
		return s.Account(iam.AccountContext(ctx, p.AccountID)).ID != account
	}
	if sess.Token != "" {
		c, err := s.OpenSession(ctx, sess.KeyID, sess.Token)
		if err != nil || other(c.Principal) {
			return keyward.Principal{}, errSessionEnded
		}
		return c.Principal, nil
	}
	if sess.Root {
		c, err := s.IAM.Credential(ctx, sess.RootKey)
		if err != nil || !c.Active || !c.Principal.Root || other(c.Principal) {
			return keyward.Principal{}, errSessionEnded
		}
		return c.Principal, nil
	}
	u, err := s.store(ctx).User(ctx, sess.UserName)
	if err != nil || u.ID != sess.UserID || sess.Issued.Before(u.SessionsAfter) {
		return keyward.Principal{}, errSessionEnded
	}
	return keyward.Principal{AccountID: account, UserID: u.ID, UserName: u.Name, UserPath: u.Path}, nil
}

// Federated sign-in to the console, as AWS's federation endpoint does it:
// temporary credentials of a role's or a federated user's session are
// exchanged for a sign-in token (getSigninToken), which a browser then
// presents once to sign in (login). The token is sealed, holds the
// credentials it stands for, and lasts SigninTokenLifetime. It is a
// bearer credential in a URL (browser history, proxy logs, Referer), so
// it signs in once: its ID is recorded in the store when used, on every
// replica, until it expires.
const (
	SigninTokenLifetime      = 15 * time.Minute
	signinTokenPrefix        = "KWF1"
	signinAssociated         = "keyward:signin"
	MinConsoleSessionSeconds = 900
	MaxConsoleSessionSeconds = 43200
)

// usedGrace is how long past its expiry the store remembers a single-use
// token (a sign-in token, a SAML assertion) was used. The store forgets a
// use once the clock of the replica recording another passes its expiry;
// a replica sharing the store with its clock behind would still take the
// token for unexpired, find no record, and let it in again. Remembered
// this much longer, a replica this far behind still finds it.
const usedGrace = 5 * time.Minute

type signinClaims struct {
	// ID names the token for its single use.
	ID      string    `json:"i"`
	KeyID   string    `json:"k"`
	Token   string    `json:"t"`
	Expires time.Time `json:"e"`
	// Until is when the console session is to end.
	Until time.Time `json:"u"`
}

// SigninToken exchanges a session's credentials for a console sign-in
// token; the console session lasts durationSeconds (0: 12 hours), never
// beyond the credentials' expiration. Only the sessions of roles and of
// federated users may sign in so, as on AWS.
func (s *Service) SigninToken(ctx context.Context, keyID, secret, token string, durationSeconds int) (string, error) {
	denied := keyward.Errorf(keyward.EAccessDenied, "The session credentials are not valid for console sign-in.")
	c, err := s.OpenSession(ctx, keyID, token)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return "", denied
	}
	if !c.Principal.IsRoleSession() && c.Principal.FederatedName == "" {
		return "", keyward.Errorf(keyward.EAccessDenied, "Only the sessions of roles and federated users may sign in to the console.")
	}
	if c.Principal.FederatedName != "" && c.Principal.UserID == "" {
		// A federated user of the root user's, made with its key alone
		// (GetFederationToken takes no code), would bring the root user's
		// powers to the console past the MFA the root user signs in with.
		ds, _, err := s.storeOf(c.Principal.AccountID).ListMFADevices(ctx, keyward.MFAFilter{Assignment: keyward.MFAAssigned, Root: true}, "", 1)
		if err != nil {
			return "", err
		}
		if len(ds) > 0 {
			return "", keyward.Errorf(keyward.EAccessDenied, "The root user has MFA: its federated users may not sign in to the console. Sign in as the root user with a code of its device.")
		}
	}
	if durationSeconds == 0 {
		durationSeconds = MaxConsoleSessionSeconds
	}
	if durationSeconds < MinConsoleSessionSeconds || durationSeconds > MaxConsoleSessionSeconds {
		return "", keyward.Errorf(keyward.EValidationError, "SessionDuration must be between %d and %d seconds.", MinConsoleSessionSeconds, MaxConsoleSessionSeconds)
	}
	now := s.Now()
	until := now.Add(time.Duration(durationSeconds) * time.Second)
	if until.After(c.Expiration) {
		until = c.Expiration
	}
	id, err := keyward.RandomString(s.Rand, "", 26, keyward.Base32Alphabet)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(signinClaims{ID: id, KeyID: keyID, Token: token, Expires: now.Add(SigninTokenLifetime), Until: until})
	if err != nil {
		return "", err
	}
	sealed, err := s.Sealer.Seal(signinAssociated, string(b))
	if err != nil {
		return "", err
	}
	return signinTokenPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// OpenSigninToken returns the credentials a sign-in token stands for and
// when the console session it begins ends, once: a token already opened
// is refused as an invalid one.
func (s *Service) OpenSigninToken(ctx context.Context, signin string) (keyID, token string, until time.Time, err error) {
	invalid := keyward.Errorf(keyward.EAccessDenied, "The sign-in token is not valid or has expired.")
	raw, ok := strings.CutPrefix(signin, signinTokenPrefix)
	if !ok || len(signin) > 4*maxSessionToken {
		return "", "", time.Time{}, invalid
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(raw) // one string per token, as OpenSession
	if err != nil {
		return "", "", time.Time{}, invalid
	}
	plain, err := s.Sealer.Open(signinAssociated, sealed)
	if err != nil {
		return "", "", time.Time{}, invalid
	}
	var c signinClaims
	now := s.Now()
	if json.Unmarshal([]byte(plain), &c) != nil || c.ID == "" || !now.Before(c.Expires) {
		return "", "", time.Time{}, invalid
	}
	if _, err := s.OpenSession(ctx, c.KeyID, c.Token); err != nil {
		return "", "", time.Time{}, invalid
	}
	first, err := s.Store.UseOnce(ctx, signinAssociated+":"+c.ID, now, c.Expires.Add(usedGrace)) // the store itself: no change of the request's
	if err != nil {
		return "", "", time.Time{}, err
	}
	if !first {
		return "", "", time.Time{}, invalid
	}
	return c.KeyID, c.Token, c.Until, nil
}

// SpendSignInState records the one use of a sign-in's state (the console's
// OpenID Connect sign-in), on every replica sharing the store, and reports
// whether this was it. The use is kept past expires by the grace every
// single-use token has, for replicas whose clocks lag this one's. It is no
// change of the request's, and is recorded with no event.
func (s *Service) SpendSignInState(ctx context.Context, id string, now, expires time.Time) (first bool, err error) {
	return s.Store.UseOnce(ctx, id, now, expires.Add(usedGrace))
}
