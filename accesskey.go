package keyward

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxAccessKeysPerUser is AWS's quota of access keys per user, root included.
const MaxAccessKeysPerUser = 2

// Access key statuses, as the API spells them.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// AccessKey is a long-term access key. The secret is never held here in
// plaintext except in the value CreateAccessKey returns once.
type AccessKey struct {
	// ID is "AKIA" followed by 16 characters of A-Z and 2-7.
	ID string
	// UserID is the owning user's ID, or empty for the root user's keys.
	UserID string
	// UserName is the owner's current name (empty for root); stores fill it
	// in on reads.
	UserName  string
	Status    string
	CreatedAt time.Time
	// SealedSecret is the secret encrypted with the master key, bound to ID.
	SealedSecret []byte
	// UserPath is the owner's current path, filled in on reads.
	UserPath string
	// LastUsed is the latest recorded use, or the zero value if never used.
	LastUsed LastUse
}

// Root reports whether the key belongs to the account's root user.
func (k AccessKey) Root() bool { return k.UserID == "" }

// LastUse is one successful authentication with an access key: when, and
// the service and region of the request's signing scope.
type LastUse struct {
	Time    time.Time
	Service string
	Region  string
}

// IsZero reports whether the key was never used.
func (u LastUse) IsZero() bool { return u.Time.IsZero() }

// AccessKeyUse pairs a use with the key it was made with; stores record
// these in batches.
type AccessKeyUse struct {
	AccessKeyID string
	LastUse
}

// Credential is what authentication needs to know of an access key: its
// plaintext secret, whether it may sign, and whose it is.
type Credential struct {
	AccessKeyID string
	Secret      string
	Active      bool
	Principal   Principal
	// Expiration is a temporary credential's end, MFAAt when its session
	// was authenticated with MFA; zero for long-term keys.
	Expiration, MFAAt time.Time
}

// changed announces a change to an access key.
func (s *Service) changed(id string) {
	s.publish(Change{Kind: ChangedAccessKey, AccessKeyID: id})
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
	return s.createAccessKey(ctx, userName, "")
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
	// The tag's key is the new key's ID, drawn now so that iam:TagUser is
	// decided with the tag it sets (aws:RequestTag, aws:TagKeys).
	id, err := NewAccessKeyID(s.Rand)
	if err != nil {
		return AccessKey{}, "", err
	}
	if err := s.authorizeUserWith(ctx, "iam:TagUser", userName, requestTagKeys([]Tag{{Key: id, Value: description}})); err != nil {
		return AccessKey{}, "", err
	}
	k, secret, err := s.createAccessKey(ctx, userName, id)
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

// createAccessKey creates a key for userName with the ID id, or with a
// random one when id is "".
func (s *Service) createAccessKey(ctx context.Context, userName, id string) (AccessKey, string, error) {
	given := id != ""
	for attempt := 0; ; attempt++ {
		if !given {
			var err error
			if id, err = NewAccessKeyID(s.Rand); err != nil {
				return AccessKey{}, "", err
			}
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
		respond(ctx, "accessKey", map[string]any{"accessKeyId": id, "status": StatusActive, "userName": userName, "createDate": eventTime(k.CreatedAt)})
		k, err = s.Store.CreateAccessKey(ctx, userName, k)
		switch {
		case errors.Is(err, ErrNoSuchUser):
			return AccessKey{}, "", UserNotFound(userName)
		case errors.Is(err, ErrAccessKeyQuota):
			return AccessKey{}, "", AccessKeyQuotaExceeded()
		case errors.Is(err, ErrAccessKeyExists) && attempt < 3 && !given:
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
	// On the owner, read with its tags (aws:ResourceTag, iam:ResourceTag).
	if err := s.authorizeUser(ctx, "iam:GetAccessKeyLastUsed", k.UserName); err != nil {
		return AccessKey{}, err
	}
	return k, nil
}

func (s *Service) accessKeyLastUsed(ctx context.Context, id string) (AccessKey, error) {
	// The pending use is read before the store: a flush that ends between
	// the two reads then shows in the store's, where read the other way
	// round the use would be in neither.
	var pending LastUse
	var ok bool
	if s.Uses != nil {
		pending, ok = s.Uses.Pending(id)
	}
	k, err := s.Store.AccessKey(ctx, id)
	if err != nil {
		return AccessKey{}, err
	}
	if ok && pending.Time.After(k.LastUsed.Time) {
		k.LastUsed = pending
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
