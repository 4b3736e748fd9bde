package iam

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/internal/cache"
)

// The descriptors of access keys.
func init() {
	describe(map[string]keyward.Operation{
		"CreateAccessKey":      keyward.Changes(optUserNameParam, keyward.OptParam("ExpiresIn", keyward.KeyDurationShape)),
		"UpdateAccessKey":      keyward.Changes(optUserNameParam, keyward.ReqParam("AccessKeyId", accessKeyIDShape), keyward.ReqParam("Status", keyward.StatusShape)),
		"DeleteAccessKey":      keyward.Changes(optUserNameParam, keyward.ReqParam("AccessKeyId", accessKeyIDShape)),
		"ListAccessKeys":       keyward.Reads(optUserNameParam, markerParam, maxItemsParam),
		"GetAccessKeyLastUsed": keyward.Reads(keyward.ReqParam("AccessKeyId", accessKeyIDShape)),
	})
}

// changed announces a change to an access key.
func (s *Service) changed(id string) {
	s.publish(keyward.Change{Kind: keyward.ChangedAccessKey, AccessKeyID: id})
}

// CreateAccessKey creates an active access key for userName (the caller
// when empty) and returns it with its secret, the only time the secret is
// ever shown.
func (s *Service) CreateAccessKey(ctx context.Context, userName string) (keyward.AccessKey, string, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return keyward.AccessKey{}, "", err
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:CreateAccessKey", userName); err != nil {
		return keyward.AccessKey{}, "", err
	}
	return s.createAccessKey(ctx, userName, "", time.Time{})
}

// CreateExpiringAccessKey is CreateAccessKey for a key that stops working
// expiresIn from now (a Keyward extension; 0 for a key that never
// expires), with a description as CreateAccessKeyWithDescription's when
// not empty. expiresIn is checked by the caller (lifecycle.ParseKeyDuration).
func (s *Service) CreateExpiringAccessKey(ctx context.Context, userName, description string, expiresIn time.Duration) (keyward.AccessKey, string, error) {
	if description == "" && expiresIn == 0 {
		return s.CreateAccessKey(ctx, userName)
	}
	return s.createDescribedKey(ctx, userName, description, expiresIn)
}

// CreateAccessKeyWithDescription creates an access key and, as AWS's
// console does, tags its user with the description under the key's ID.
// Both permissions are checked before anything is made, so that a caller
// allowed one but not the other is refused without a key half made.
func (s *Service) CreateAccessKeyWithDescription(ctx context.Context, userName, description string) (keyward.AccessKey, string, error) {
	if description == "" {
		return s.CreateAccessKey(ctx, userName)
	}
	return s.createDescribedKey(ctx, userName, description, 0)
}

func (s *Service) createDescribedKey(ctx context.Context, userName, description string, expiresIn time.Duration) (keyward.AccessKey, string, error) {
	var expires time.Time
	if expiresIn > 0 {
		expires = s.now().Add(expiresIn)
	}
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return keyward.AccessKey{}, "", err
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:CreateAccessKey", userName); err != nil {
		return keyward.AccessKey{}, "", err
	}
	if description == "" {
		return s.createAccessKey(ctx, userName, "", expires)
	}
	// The tag's key is the new key's ID, drawn now so that iam:TagUser is
	// decided with the tag it sets (aws:RequestTag, aws:TagKeys).
	id, err := newAccessKeyID(s.Rand)
	if err != nil {
		return keyward.AccessKey{}, "", err
	}
	if err := s.Authz.AuthorizeUserWith(ctx, "iam:TagUser", userName, authz.RequestTagKeys([]keyward.Tag{{Key: id, Value: description}})); err != nil {
		return keyward.AccessKey{}, "", err
	}
	k, secret, err := s.createAccessKey(ctx, userName, id, expires)
	if err != nil {
		return k, secret, err
	}
	if userName != "" {
		tag := []keyward.Tag{{Key: k.ID, Value: description}}
		if err := s.updateTags(ctx, keyward.TaggedUser, userName, func(old []keyward.Tag) ([]keyward.Tag, error) { return mergeTags(old, tag) }); err != nil {
			return k, secret, err
		}
	}
	return k, secret, nil
}

// createAccessKey creates a key for userName with the ID given, or with a
// random one when given is "", expiring at expires unless it is zero.
func (s *Service) createAccessKey(ctx context.Context, userName, given string, expires time.Time) (keyward.AccessKey, string, error) {
	for attempt := 0; ; attempt++ {
		k, secret, err := s.newKey(given, expires)
		if err != nil {
			return keyward.AccessKey{}, "", err
		}
		id := k.ID
		resp := map[string]any{"accessKeyId": id, "status": keyward.StatusActive, "userName": userName, "createDate": eventTime(k.CreatedAt)}
		if !expires.IsZero() {
			resp["expiration"] = eventTime(expires)
		}
		respond(ctx, "accessKey", resp)
		k, err = s.changing(ctx).CreateAccessKey(ctx, userName, k)
		switch {
		case errors.Is(err, keyward.ErrNoSuchUser):
			return keyward.AccessKey{}, "", keyward.UserNotFound(userName)
		case errors.Is(err, keyward.ErrAccessKeyQuota):
			return keyward.AccessKey{}, "", accessKeyQuotaExceeded()
		case errors.Is(err, keyward.ErrAccessKeyExists) && attempt < 3 && given == "":
			continue // 80 random bits collided; draw again
		case err != nil:
			return keyward.AccessKey{}, "", err
		}
		k.UserName = userName
		// A cache may hold a negative entry for this ID.
		s.changed(id)
		return k, secret, nil
	}
}

// newKey makes a key to store: its ID (drawn when id is ""), its secret,
// returned to be shown once, sealed under the master key, and its creation
// now.
func (s *Service) newKey(id string, expires time.Time) (keyward.AccessKey, string, error) {
	if id == "" {
		var err error
		if id, err = newAccessKeyID(s.Rand); err != nil {
			return keyward.AccessKey{}, "", err
		}
	}
	secret, err := keyward.NewSecretAccessKey(s.Rand)
	if err != nil {
		return keyward.AccessKey{}, "", err
	}
	sealed, err := s.Sealer.Seal(id, secret)
	if err != nil {
		return keyward.AccessKey{}, "", err
	}
	return keyward.AccessKey{ID: id, Status: keyward.StatusActive, CreatedAt: s.now(), SealedSecret: sealed, ExpiresAt: expires}, secret, nil
}

// ListAccessKeys returns a page of userName's keys (root when empty) and
// the marker of the next page.
func (s *Service) ListAccessKeys(ctx context.Context, userName, marker string, max int) ([]keyward.AccessKey, string, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return nil, "", err
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:ListAccessKeys", userName); err != nil {
		return nil, "", err
	}
	return s.listAccessKeys(ctx, userName, marker, max)
}

func (s *Service) listAccessKeys(ctx context.Context, userName, marker string, max int) ([]keyward.AccessKey, string, error) {
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	folded := s.cacheKey(ctx, keyward.FoldName(userName))
	keys, hit := cache.Cached(s.KeyLists, folded)
	if !hit {
		keys, err = cache.LoadThrough(ctx, s.KeyLists, folded, func(ctx context.Context) ([]keyward.AccessKey, error) {
			keys, _, err := s.store(ctx).ListAccessKeys(ctx, userName, "", keyward.MaxAccessKeysPerUser)
			return keys, err
		})
	}
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return nil, "", keyward.UserNotFound(userName)
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
	out := keys[start:end]
	now := s.Now()
	for i, k := range out {
		if k.Status == keyward.StatusActive && k.Expired(now) {
			// Past its expiry date the key no longer signs, though the
			// sweep has not yet deactivated it: it is shown as it is
			// treated. The cached list is shared, so it is copied.
			out = append([]keyward.AccessKey(nil), out...)
			out[i].Status = keyward.StatusInactive
		}
	}
	return out, next, nil
}

// UpdateAccessKey activates or deactivates a key of userName (the caller
// when empty).
func (s *Service) UpdateAccessKey(ctx context.Context, userName, id, status string) error {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return err
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:UpdateAccessKey", userName); err != nil {
		return err
	}
	err = s.changing(ctx).UpdateAccessKey(ctx, userName, id, status, s.now())
	s.changed(id)
	return s.keyError(err, userName, id)
}

// DeleteAccessKey deletes a key of userName (the caller when empty).
func (s *Service) DeleteAccessKey(ctx context.Context, userName, id string) error {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return err
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:DeleteAccessKey", userName); err != nil {
		return err
	}
	err = s.changing(ctx).DeleteAccessKey(ctx, userName, id)
	s.changed(id)
	return s.keyError(err, userName, id)
}

func (s *Service) keyError(err error, userName, id string) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(userName)
	case errors.Is(err, keyward.ErrNoSuchAccessKey):
		return keyward.AccessKeyNotFound(id)
	}
	return err
}

// AccessKeyLastUsed returns the key with its owner's name and its latest
// use, including uses not yet flushed to the store
// (iam:GetAccessKeyLastUsed on the owner).
func (s *Service) AccessKeyLastUsed(ctx context.Context, id string) (keyward.AccessKey, error) {
	k, err := s.accessKeyLastUsed(ctx, id)
	if err != nil {
		if errors.Is(err, keyward.ErrNoSuchAccessKey) {
			// Nothing of who owns what to a caller without the right.
			if authErr := s.Authz.Authorize(ctx, "iam:GetAccessKeyLastUsed", s.Account(ctx).UserARN("/", "*")); authErr != nil {
				return keyward.AccessKey{}, authErr
			}
			return keyward.AccessKey{}, keyward.AccessKeyNotFound(id)
		}
		return keyward.AccessKey{}, err
	}
	// On the owner, read with its tags (aws:ResourceTag, iam:ResourceTag).
	if err := s.Authz.AuthorizeUser(ctx, "iam:GetAccessKeyLastUsed", k.UserName); err != nil {
		return keyward.AccessKey{}, err
	}
	return k, nil
}

func (s *Service) accessKeyLastUsed(ctx context.Context, id string) (keyward.AccessKey, error) {
	// The pending use is read before the store: a flush that ends between
	// the two reads then shows in the store's, where read the other way
	// round the use would be in neither.
	var pending keyward.LastUse
	var ok bool
	if s.Uses != nil {
		pending, ok = s.Uses.Pending(id)
	}
	// Key IDs are found across the installation: another account's key
	// is no key of the caller's, whose owner and last use it must not
	// learn (nor, from a user name not found here, who owns it).
	k, err := s.Store.AccessKey(ctx, id)
	if err == nil && k.AccountID != s.Account(ctx).ID {
		err = keyward.ErrNoSuchAccessKey
	}
	if err != nil {
		return keyward.AccessKey{}, err
	}
	if ok && pending.Time.After(k.LastUsed.Time) {
		k.LastUsed = pending
	}
	return k, nil
}

// Credential loads what authentication needs of an access key: its
// decrypted secret, status and owner. It reads the store; callers cache it.
func (s *Service) Credential(ctx context.Context, id string) (keyward.Credential, error) {
	k, err := s.Store.AccessKey(ctx, id)
	if err != nil {
		return keyward.Credential{}, err
	}
	secret, err := s.Sealer.Open(k.ID, k.SealedSecret)
	if err != nil {
		return keyward.Credential{}, fmt.Errorf("access key %s: %w", k.ID, err)
	}
	// The key's account is the caller's: a key found by its ID, whatever
	// the account, names it.
	account := k.AccountID
	if account == "" {
		account = s.Account(ctx).ID
	}
	p := keyward.Principal{AccountID: account, Root: k.Root()}
	if !p.Root {
		p.UserID, p.UserName, p.UserPath = k.UserID, k.UserName, k.UserPath
	}
	// A key past its expiry date is refused though the sweep has not yet
	// deactivated it; the keyring checks the date again on every use.
	active := k.Status == keyward.StatusActive && !k.Expired(s.Now())
	// A closed account's keys sign nothing, the root user's included
	// (console sign-in with it too).
	if active {
		closed, err := s.AccountClosed(ctx, account)
		if err != nil {
			return keyward.Credential{}, err
		}
		active = !closed
	}
	return keyward.Credential{AccessKeyID: k.ID, Secret: secret, Active: active, Principal: p, ExpiresAt: k.ExpiresAt}, nil
}

// accessKeyQuotaExceeded is AWS's LimitExceeded for a third access key.
func accessKeyQuotaExceeded() *keyward.Error {
	return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", keyward.MaxAccessKeysPerUser)
}
