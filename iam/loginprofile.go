package iam

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/keyward/keyward"
)

// The descriptors of login profiles and passwords.
func init() {
	describe(map[string]keyward.Operation{
		"CreateLoginProfile": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.ReqParam("Password", keyward.PasswordShape), keyward.BoolParam("PasswordResetRequired")),
		"GetLoginProfile":    keyward.Reads(keyward.ReqParam("UserName", keyward.UserNameShape)),
		"UpdateLoginProfile": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.OptParam("Password", keyward.PasswordShape), keyward.BoolParam("PasswordResetRequired")),
		"DeleteLoginProfile": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape)),
		"ChangePassword":     keyward.Changes(keyward.ReqParam("OldPassword", keyward.PasswordShape), keyward.ReqParam("NewPassword", keyward.PasswordShape)),
	})
}

// CreateLoginProfile gives a user a console password.
func (s *Service) CreateLoginProfile(ctx context.Context, user, password string, resetRequired bool) (keyward.LoginProfile, error) {
	if err := s.Authz.AuthorizeUser(ctx, "iam:CreateLoginProfile", user); err != nil {
		return keyward.LoginProfile{}, err
	}
	if _, err := s.store(ctx).User(ctx, user); errors.Is(err, keyward.ErrNoSuchUser) {
		return keyward.LoginProfile{}, keyward.UserNotFound(user)
	}
	if _, err := s.checkPassword(ctx, password, nil); err != nil {
		return keyward.LoginProfile{}, err
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return keyward.LoginProfile{}, err
	}
	now := s.now()
	p := keyward.LoginProfile{UserName: user, PasswordHash: hash, ResetRequired: resetRequired, CreatedAt: now, ChangedAt: now}
	respond(ctx, "loginProfile", map[string]any{"userName": user, "createDate": eventTime(now), "passwordResetRequired": resetRequired})
	switch err := s.changing(ctx).CreateLoginProfile(ctx, user, p); {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return p, keyward.UserNotFound(user)
	case errors.Is(err, keyward.ErrLoginProfileExists):
		return p, keyward.Errorf(keyward.EEntityAlreadyExists, "Login Profile for user %s already exists.", user)
	case err != nil:
		return p, err
	}
	if u, err := s.store(ctx).User(ctx, user); err == nil {
		p.UserName = u.Name
	}
	return p, nil
}

// LoginProfile returns a user's login profile (iam:GetLoginProfile).
func (s *Service) LoginProfile(ctx context.Context, user string) (keyward.LoginProfile, error) {
	if err := s.Authz.AuthorizeUser(ctx, "iam:GetLoginProfile", user); err != nil {
		return keyward.LoginProfile{}, err
	}
	return s.loginProfile(ctx, user)
}

func (s *Service) loginProfile(ctx context.Context, user string) (keyward.LoginProfile, error) {
	p, err := s.store(ctx).LoginProfile(ctx, user)
	return p, loginProfileError(user, err)
}

// loginProfileError turns the store's sentinels for a user's login profile
// into AWS's errors.
func loginProfileError(user string, err error) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(user)
	case errors.Is(err, keyward.ErrNoLoginProfile):
		return loginProfileNotFound(user)
	}
	return err
}

// errProfileChanged means a login profile changed between the read that
// a new password was checked against and the write.
var errProfileChanged = errors.New("keyward: login profile changed meanwhile")

// maxProfileRetries bounds how often a password change is checked again
// because another changed the profile meanwhile.
const maxProfileRetries = 5

// UpdateLoginProfile sets a new password and/or whether it must be reset.
// A new password ends the user's console sessions, as AWS does when an
// administrator resets it.
func (s *Service) UpdateLoginProfile(ctx context.Context, user string, password *string, resetRequired *bool) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:UpdateLoginProfile", user); err != nil {
		return err
	}
	return s.changeLoginProfile(ctx, user, password, nil, func(p *keyward.LoginProfile) {
		if resetRequired != nil {
			p.ResetRequired = *resetRequired
		}
	})
}

// changeLoginProfile changes a user's login profile atomically. Checking a
// new password against the policy and the earlier ones, and hashing it, take
// hundreds of milliseconds of argon2id: they happen outside the store's
// transaction, against a snapshot, and the transaction refuses to write
// over a password changed meanwhile; then it starts again. check, if
// set, vets each snapshot first.
func (s *Service) changeLoginProfile(ctx context.Context, user string, password *string, check func(keyward.LoginProfile) error, change func(*keyward.LoginProfile)) error {
	for attempt := 0; ; attempt++ {
		snap, err := s.loginProfile(ctx, user)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(snap); err != nil {
				return err
			}
		}
		next := snap
		var sessionsAfter time.Time
		if password != nil {
			if err := s.setPassword(ctx, &next, *password); err != nil {
				return err
			}
			sessionsAfter = s.Now().UTC()
		}
		err = s.changing(ctx).UpdateLoginProfile(ctx, user, func(cur keyward.LoginProfile) (keyward.LoginProfile, error) {
			if password != nil {
				if cur.PasswordHash != snap.PasswordHash {
					return cur, errProfileChanged
				}
				cur.PasswordHash, cur.History, cur.ChangedAt = next.PasswordHash, next.History, next.ChangedAt
			}
			change(&cur)
			return cur, nil
		}, sessionsAfter)
		if errors.Is(err, errProfileChanged) && attempt < maxProfileRetries {
			continue
		}
		if errors.Is(err, errProfileChanged) {
			return keyward.Errorf(keyward.EEntityTemporarilyUnmodifiable, "Login Profile for User %s is being changed by another request. Try again.", user)
		}
		return loginProfileError(user, err)
	}
}

// setPassword checks, hashes and records a new password in p.
func (s *Service) setPassword(ctx context.Context, p *keyward.LoginProfile, password string) error {
	pp, err := s.checkPassword(ctx, password, append([]string{p.PasswordHash}, p.History...))
	if err != nil {
		return err
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return err
	}
	keep := max(pp.PasswordReusePrevention, 0)
	history := append([]string{p.PasswordHash}, p.History...)
	if len(history) > keep {
		history = history[:keep]
	}
	p.PasswordHash, p.History, p.ChangedAt = hash, history, s.now()
	return nil
}

// DeleteLoginProfile removes a user's console password and ends the user's
// console sessions, as AWS does.
func (s *Service) DeleteLoginProfile(ctx context.Context, user string) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:DeleteLoginProfile", user); err != nil {
		return err
	}
	return loginProfileError(user, s.changing(ctx).DeleteLoginProfile(ctx, user, s.Now().UTC()))
}

// EndConsoleSessions signs a user out of every console session begun
// until now. It takes iam:UpdateLoginProfile on the user, the permission
// that governs the user's console access (AWS has no API of its own for
// it).
func (s *Service) EndConsoleSessions(ctx context.Context, user string) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:UpdateLoginProfile", user); err != nil {
		return err
	}
	if err := s.store(ctx).EndConsoleSessions(ctx, user, s.Now().UTC()); errors.Is(err, keyward.ErrNoSuchUser) {
		return keyward.UserNotFound(user)
	} else {
		return err
	}
}

// ChangePassword changes the calling IAM user's own password, given the
// current one. The root user's password is not Keyward's to change. The
// user's console sessions end; the console issues its caller a new one.
//
// As in AWS, it is allowed to every user when the account's password
// policy says AllowUsersToChangePassword, to a user whose password must be
// reset, and otherwise to a user granted iam:ChangePassword on itself.
func (s *Service) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	p, err := s.Authz.Principal(ctx)
	if err != nil {
		return err
	}
	if p.Root {
		return keyward.Errorf(keyward.EInvalidUserType, "The root user cannot change its password with ChangePassword.")
	}
	if !p.IsUser() {
		return keyward.Errorf(keyward.EInvalidUserType, "Only IAM users can change their own password.")
	}
	lp, err := s.loginProfile(ctx, p.UserName)
	if err != nil {
		return err
	}
	// An expired password is changed as one that must be reset, unless the
	// policy's HardExpiry leaves that to an administrator.
	expired, hard, err := s.passwordExpired(ctx, lp)
	if err != nil {
		return err
	}
	if expired && hard {
		return errHardExpired
	}
	if pp, err := s.store(ctx).PasswordPolicy(ctx); (err != nil || !pp.AllowUsersToChangePassword) && !lp.ResetRequired && !expired {
		if err != nil && !errors.Is(err, keyward.ErrNoPasswordPolicy) {
			return err
		}
		if err := s.Authz.AuthorizeUser(ctx, "iam:ChangePassword", p.UserName); err != nil {
			return err
		}
	}
	// Whether the old password is right is what a guesser wants to learn:
	// counted as the console's sign-in counts, per user, and refused past
	// the limit before any hash is computed.
	if !s.oldPasswordGuesses.allowed(p.UserID, s.Now()) {
		return keyward.Errorf(keyward.ELimitExceeded, "Too many incorrect old passwords for this user. Try again in %d minutes.", int(passwordGuessWindow/time.Minute))
	}
	// The old password is checked against the very profile changed.
	oldMatches := func(lp keyward.LoginProfile) error {
		if ok, err := s.Passwords.Verify(lp.PasswordHash, oldPassword); err != nil {
			return err
		} else if !ok {
			s.oldPasswordGuesses.failed(p.UserID, s.Now())
			return keyward.Errorf(keyward.EInvalidUserType, "The old password is incorrect.")
		}
		return nil
	}
	return s.changeLoginProfile(ctx, p.UserName, &newPassword, oldMatches, func(lp *keyward.LoginProfile) { lp.ResetRequired = false })
}

// ChangePassword's limit on wrong old passwords: as the console's sign-in,
// five per user within 15 minutes of the first. It is kept in memory, per
// replica; so are the console's.
const (
	passwordGuessLimit  = 5
	passwordGuessWindow = 15 * time.Minute
)

// passwordGuesses counts wrong old passwords by user ID.
type passwordGuesses struct {
	mu sync.Mutex
	m  map[string]guessCount
}

type guessCount struct {
	n     int
	since time.Time
}

// allowed reports whether user may guess again now.
func (g *passwordGuesses) allowed(user string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.m[user]
	if ok && now.Sub(c.since) >= passwordGuessWindow {
		delete(g.m, user)
		return true
	}
	return !ok || c.n < passwordGuessLimit
}

// failed counts a wrong old password of user.
func (g *passwordGuesses) failed(user string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[string]guessCount{}
	}
	c, ok := g.m[user]
	if !ok || now.Sub(c.since) >= passwordGuessWindow {
		c = guessCount{since: now}
	}
	c.n++
	g.m[user] = c
	// Only users that failed are kept, and each once; an occasional sweep
	// drops those whose window has ended.
	if len(g.m) > 1024 {
		for u, c := range g.m {
			if now.Sub(c.since) >= passwordGuessWindow {
				delete(g.m, u)
			}
		}
	}
}

// loginProfileNotFound is AWS's NoSuchEntity for a user without a password.
func loginProfileNotFound(user string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "Login Profile for User %s cannot be found.", user)
}
