package keyward

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Service applies IAM's rules to users and access keys on top of a Store.
// The API and the console both call it, so the rules live only here, who
// may do what included: every method a transport calls takes the caller
// from the context (WithCaller) and authorises it, on every resource it
// touches. Callers validate input against the model shapes; Service trusts
// its arguments to be well-formed.
type Service struct {
	Store   Store
	Sealer  *Sealer
	Account Account
	// Policies is IAM's policy language (package policy).
	Policies PolicyEngine
	// Now and Rand are the clock and the randomness for IDs and secrets.
	Now  func() time.Time
	Rand io.Reader
	// Uses holds last-use data not yet flushed to the store; may be nil.
	Uses PendingUses
	// Changes, when set, is told of every change the Service makes, for
	// the caches it touches (the change bus).
	Changes func(Change)
	// KeyLists caches each owner's access keys (two at most) by folded user
	// name ("" for root), so that ListAccessKeys, among the most frequent
	// calls, reads no database; PolicySets caches each user's compiled
	// policies by user ID, so that a decision reads none either. Either may
	// be nil: the Service then loads every time.
	KeyLists   Cache[[]AccessKey]
	PolicySets Cache[Policies]

	// CredentialReportMaxAge is how long a credential report is served
	// before GenerateCredentialReport makes a new one; 0 makes one every time
	// (and a report then never expires).
	CredentialReportMaxAge time.Duration
	// Passwords hashes console passwords.
	Passwords PasswordHasher
	// Logger reports failures of background work.
	Logger *slog.Logger

	background   sync.WaitGroup
	reportRounds reportRounds
	decoyOnce    sync.Once
	decoy        string
}

// changed announces a change to an access key.
func (s *Service) changed(id string) {
	s.publish(Change{Kind: ChangedAccessKey, AccessKeyID: id})
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// CreateUser creates an IAM user; tagging it takes iam:TagUser too.
func (s *Service) CreateUser(ctx context.Context, name, path string, tags []Tag) (User, error) {
	if path == "" {
		path = "/"
	}
	if err := checkDuplicateTags(tags); err != nil {
		return User{}, err
	}
	arn := s.Account.UserARN(path, name)
	if err := s.authorize(ctx, "iam:CreateUser", arn); err != nil {
		return User{}, err
	}
	if len(tags) > 0 {
		if err := s.authorize(ctx, "iam:TagUser", arn); err != nil {
			return User{}, err
		}
	}
	id, err := NewUserID(s.Rand)
	if err != nil {
		return User{}, err
	}
	u := User{ID: id, Name: name, Path: path, CreatedAt: s.now(), Tags: tags}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrUserExists) {
			return User{}, UserExists(name)
		}
		return User{}, err
	}
	return u, nil
}

// User returns the user with the given name (iam:GetUser).
func (s *Service) User(ctx context.Context, name string) (User, error) {
	if err := s.authorizeUser(ctx, "iam:GetUser", name); err != nil {
		return User{}, err
	}
	return s.user(ctx, name)
}

// user reads a user, with AWS's error for a missing one.
func (s *Service) user(ctx context.Context, name string) (User, error) {
	u, err := s.Store.User(ctx, name)
	if errors.Is(err, ErrNoSuchUser) {
		return User{}, UserNotFound(name)
	}
	return u, err
}

// ListUsers returns a page of users whose path starts with pathPrefix
// ("/" for all), and the marker of the next page or "" at the end.
func (s *Service) ListUsers(ctx context.Context, pathPrefix, marker string, max int) ([]User, string, error) {
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	if err := s.authorize(ctx, "iam:ListUsers", s.Account.UserARN(pathPrefix, "")); err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	users, more, err := s.Store.ListUsers(ctx, pathPrefix, after, max)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(users) > 0 {
		next = encodeMarker(users[len(users)-1].Name)
	}
	return users, next, nil
}

// UpdateUser renames or moves a user.
func (s *Service) UpdateUser(ctx context.Context, name string, upd UserUpdate) error {
	if err := s.authorizeUser(ctx, "iam:UpdateUser", name); err != nil {
		return err
	}
	_, err := s.Store.UpdateUser(ctx, name, upd)
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(name)
	case errors.Is(err, ErrUserExists):
		return UserExists(*upd.NewName)
	case err != nil:
		return err
	}
	// Key lists and compiled policies (${aws:username}) name the user;
	// cached credentials carry the owner's name and path in their ARN.
	s.publish(Change{Kind: ChangedUsers})
	keys, _, err := s.Store.ListAccessKeys(ctx, valueOr(upd.NewName, name), "", MaxAccessKeysPerUser+1)
	if err != nil {
		return err
	}
	for _, k := range keys {
		s.changed(k.ID)
	}
	return nil
}

// DeleteUser deletes a user that has no access keys left.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	if err := s.authorizeUser(ctx, "iam:DeleteUser", name); err != nil {
		return err
	}
	err := s.Store.DeleteUser(ctx, name)
	s.publish(Change{Kind: ChangedUsers})
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(name)
	case errors.Is(err, ErrUserHasAccessKey), errors.Is(err, ErrEntityInUse):
		return DeleteConflict()
	}
	return err
}

// CreateAccessKey creates an active access key for userName (the caller
// when empty) and returns it with its secret, the only time the secret is
// ever shown.
func (s *Service) CreateAccessKey(ctx context.Context, userName string) (AccessKey, string, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return AccessKey{}, "", err
	}
	if err := s.authorizeUser(ctx, "iam:CreateAccessKey", userName); err != nil {
		return AccessKey{}, "", err
	}
	return s.createAccessKey(ctx, userName)
}

// CreateAccessKeyWithDescription creates an access key and, as AWS's
// console does, tags its user with the description under the key's ID.
// Both permissions are checked before anything is made, so that a caller
// allowed one but not the other is refused without a key half made.
func (s *Service) CreateAccessKeyWithDescription(ctx context.Context, userName, description string) (AccessKey, string, error) {
	if description == "" {
		return s.CreateAccessKey(ctx, userName)
	}
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return AccessKey{}, "", err
	}
	if err := s.authorizeUser(ctx, "iam:CreateAccessKey", userName); err != nil {
		return AccessKey{}, "", err
	}
	if err := s.authorizeUser(ctx, "iam:TagUser", userName); err != nil {
		return AccessKey{}, "", err
	}
	k, secret, err := s.createAccessKey(ctx, userName)
	if err != nil {
		return k, secret, err
	}
	if userName != "" {
		if err := s.tagUser(ctx, userName, Tag{Key: k.ID, Value: description}); err != nil {
			return k, secret, err
		}
	}
	return k, secret, nil
}

func (s *Service) createAccessKey(ctx context.Context, userName string) (AccessKey, string, error) {
	for attempt := 0; ; attempt++ {
		id, err := NewAccessKeyID(s.Rand)
		if err != nil {
			return AccessKey{}, "", err
		}
		secret, err := NewSecretAccessKey(s.Rand)
		if err != nil {
			return AccessKey{}, "", err
		}
		sealed, err := s.Sealer.Seal(id, secret)
		if err != nil {
			return AccessKey{}, "", err
		}
		k := AccessKey{ID: id, Status: StatusActive, CreatedAt: s.now(), SealedSecret: sealed}
		k, err = s.Store.CreateAccessKey(ctx, userName, k)
		switch {
		case errors.Is(err, ErrNoSuchUser):
			return AccessKey{}, "", UserNotFound(userName)
		case errors.Is(err, ErrAccessKeyQuota):
			return AccessKey{}, "", AccessKeyQuotaExceeded()
		case errors.Is(err, ErrAccessKeyExists) && attempt < 3:
			continue // 80 random bits collided; draw again
		case err != nil:
			return AccessKey{}, "", err
		}
		k.UserName = userName
		// A cache may hold a negative entry for this ID.
		s.changed(id)
		return k, secret, nil
	}
}

// ListAccessKeys returns a page of userName's keys (root when empty) and
// the marker of the next page.
func (s *Service) ListAccessKeys(ctx context.Context, userName, marker string, max int) ([]AccessKey, string, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return nil, "", err
	}
	if err := s.authorizeUser(ctx, "iam:ListAccessKeys", userName); err != nil {
		return nil, "", err
	}
	return s.listAccessKeys(ctx, userName, marker, max)
}

func (s *Service) listAccessKeys(ctx context.Context, userName, marker string, max int) ([]AccessKey, string, error) {
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	folded := FoldName(userName)
	keys, hit := cached(s.KeyLists, folded)
	if !hit {
		keys, err = load(ctx, s.KeyLists, folded, func(ctx context.Context) ([]AccessKey, error) {
			keys, _, err := s.Store.ListAccessKeys(ctx, userName, "", MaxAccessKeysPerUser)
			return keys, err
		})
	}
	if errors.Is(err, ErrNoSuchUser) {
		return nil, "", UserNotFound(userName)
	}
	if err != nil {
		return nil, "", err
	}
	start := 0
	if after != "" {
		start = len(keys) // a marker of a key deleted meanwhile ends the listing
		for i, k := range keys {
			if k.ID == after {
				start = i + 1
			}
		}
	}
	end := min(start+max, len(keys))
	next := ""
	if end < len(keys) {
		next = encodeMarker(keys[end-1].ID)
	}
	return keys[start:end], next, nil
}

// UpdateAccessKey activates or deactivates a key of userName (the caller
// when empty).
func (s *Service) UpdateAccessKey(ctx context.Context, userName, id, status string) error {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return err
	}
	if err := s.authorizeUser(ctx, "iam:UpdateAccessKey", userName); err != nil {
		return err
	}
	err = s.Store.UpdateAccessKey(ctx, userName, id, status)
	s.changed(id)
	return s.keyError(err, userName, id)
}

// DeleteAccessKey deletes a key of userName (the caller when empty).
func (s *Service) DeleteAccessKey(ctx context.Context, userName, id string) error {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return err
	}
	if err := s.authorizeUser(ctx, "iam:DeleteAccessKey", userName); err != nil {
		return err
	}
	err = s.Store.DeleteAccessKey(ctx, userName, id)
	s.changed(id)
	return s.keyError(err, userName, id)
}

func (s *Service) keyError(err error, userName, id string) error {
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(userName)
	case errors.Is(err, ErrNoSuchAccessKey):
		return AccessKeyNotFound(id)
	}
	return err
}

// AccessKeyLastUsed returns the key with its owner's name and its latest
// use, including uses not yet flushed to the store
// (iam:GetAccessKeyLastUsed on the owner).
func (s *Service) AccessKeyLastUsed(ctx context.Context, id string) (AccessKey, error) {
	k, err := s.accessKeyLastUsed(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNoSuchAccessKey) {
			// Nothing of who owns what to a caller without the right.
			if authErr := s.authorize(ctx, "iam:GetAccessKeyLastUsed", s.Account.UserARN("/", "*")); authErr != nil {
				return AccessKey{}, authErr
			}
			return AccessKey{}, AccessKeyNotFound(id)
		}
		return AccessKey{}, err
	}
	arn := s.Account.RootARN()
	if !k.Root() {
		arn = s.Account.UserARN(k.UserPath, k.UserName)
	}
	if err := s.authorize(ctx, "iam:GetAccessKeyLastUsed", arn); err != nil {
		return AccessKey{}, err
	}
	return k, nil
}

func (s *Service) accessKeyLastUsed(ctx context.Context, id string) (AccessKey, error) {
	k, err := s.Store.AccessKey(ctx, id)
	if err != nil {
		return AccessKey{}, err
	}
	if s.Uses != nil {
		if u, ok := s.Uses.Pending(id); ok && u.Time.After(k.LastUsed.Time) {
			k.LastUsed = u
		}
	}
	return k, nil
}

// Credential loads what authentication needs of an access key: its
// decrypted secret, status and owner. It reads the store; callers cache it.
func (s *Service) Credential(ctx context.Context, id string) (Credential, error) {
	k, err := s.Store.AccessKey(ctx, id)
	if err != nil {
		return Credential{}, err
	}
	secret, err := s.Sealer.Open(k.ID, k.SealedSecret)
	if err != nil {
		return Credential{}, fmt.Errorf("access key %s: %w", k.ID, err)
	}
	p := Principal{AccountID: s.Account.ID, Root: k.Root()}
	if !p.Root {
		p.UserID, p.UserName, p.UserPath = k.UserID, k.UserName, k.UserPath
	}
	return Credential{AccessKeyID: k.ID, Secret: secret, Active: k.Status == StatusActive, Principal: p}, nil
}

// encodeMarker makes an opaque pagination marker from the last item's key.
func encodeMarker(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + last))
}

func decodeMarker(m string) (string, error) {
	if m == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b) < 4 || string(b[:3]) != "v1:" {
		return "", Errorf(EValidationError, "Invalid Marker.")
	}
	return string(b[3:]), nil
}

func valueOr(p *string, def string) string {
	if p != nil {
		return *p
	}
	return def
}
