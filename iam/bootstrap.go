package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/keyward/keyward"
)

// Bootstrap is what an account starts from.
type Bootstrap struct {
	// AccountID is the account to create at first start ("" for a random
	// one); a store holding another account is an error.
	AccountID string
	// RootKeyID and RootSecret are the root user's access key at first
	// start; a key is generated when they are empty.
	RootKeyID, RootSecret string
	// SaveGenerated keeps a generated root key where the administrator
	// finds it. It runs before the account is committed: a crash in between
	// leaves a saved key the next start replaces, never a key nobody has.
	SaveGenerated func(id, secret string) error
	// DiscardGenerated undoes SaveGenerated when another replica created
	// the account first and the generated key was never stored.
	DiscardGenerated func()
}

// InitAccount creates the account at first start, with its root key and
// the master key's check value, or finds the one the store holds, and
// checks that the Service's master key opens it (CheckMasterKey); it
// returns the account and which of the sealer's keys opened it. Replicas
// starting together may all call it: one creates the account, the others
// find it.
func (s *Service) InitAccount(ctx context.Context, b Bootstrap) (keyward.Account, int, error) {
	ctx = keyward.Internal(ctx)
	account, err := s.Store.Account(ctx)
	if errors.Is(err, keyward.ErrNoAccount) {
		account, err = s.createAccount(ctx, b)
	}
	if err != nil {
		return account, 0, err
	}
	if b.AccountID != "" && b.AccountID != account.ID {
		return account, 0, fmt.Errorf("account %s was asked for, but the store holds account %s", b.AccountID, account.ID)
	}
	s.Authz.SetAccount(account)
	opener, err := s.CheckMasterKey(ctx)
	return account, opener, err
}

func (s *Service) createAccount(ctx context.Context, b Bootstrap) (keyward.Account, error) {
	id := b.AccountID
	if id == "" {
		var err error
		if id, err = keyward.NewAccountID(s.Rand); err != nil {
			return keyward.Account{}, err
		}
	}
	check, err := s.Sealer.SealKeyCheck()
	if err != nil {
		return keyward.Account{}, err
	}
	account := keyward.Account{ID: id, CreatedAt: s.now(), KeyCheck: check}
	keyID, secret := b.RootKeyID, b.RootSecret
	generated := keyID == ""
	if generated {
		if keyID, err = newAccessKeyID(s.Rand); err != nil {
			return account, err
		}
		if secret, err = keyward.NewSecretAccessKey(s.Rand); err != nil {
			return account, err
		}
		if b.SaveGenerated != nil {
			if err := b.SaveGenerated(keyID, secret); err != nil {
				return account, err
			}
		}
	}
	sealed, err := s.Sealer.Seal(keyID, secret)
	if err != nil {
		return account, err
	}
	root := keyward.AccessKey{ID: keyID, Status: keyward.StatusActive, CreatedAt: account.CreatedAt, SealedSecret: sealed}
	got, err := s.Store.InitAccount(ctx, account, &root)
	if err != nil {
		return account, err
	}
	if _, err := s.Store.AccessKey(ctx, root.ID); errors.Is(err, keyward.ErrNoSuchAccessKey) {
		if generated && b.DiscardGenerated != nil {
			b.DiscardGenerated()
		}
		s.log().Info("the account was created by another replica", "account", got.ID)
		return got, nil
	} else if err != nil {
		return got, err
	}
	s.log().Info("created the account", "account", got.ID, "root_arn", got.RootARN())
	return got, nil
}

// EnsureRootKey makes the root key named in the configuration exist with
// the secret given there: added if the root user has a free slot, refused
// if the ID is another's or the secret differs.
func (s *Service) EnsureRootKey(ctx context.Context, id, secret string) error {
	k, err := s.Store.AccessKey(ctx, id)
	if errors.Is(err, keyward.ErrNoSuchAccessKey) {
		sealed, err := s.Sealer.Seal(id, secret)
		if err != nil {
			return err
		}
		_, err = s.Store.CreateAccessKey(ctx, "", keyward.AccessKey{ID: id, Status: keyward.StatusActive, CreatedAt: s.now(), SealedSecret: sealed})
		if errors.Is(err, keyward.ErrAccessKeyQuota) {
			return errors.New("the root key given is new, but the root user already has two access keys")
		}
		return err
	}
	if err != nil {
		return err
	}
	if !k.Root() {
		return errors.New("the root key given belongs to an IAM user, not to the root user")
	}
	stored, err := s.Sealer.Open(k.ID, k.SealedSecret)
	if err != nil {
		return err
	}
	if stored != secret {
		return errors.New("the root secret given does not match the stored secret of the root key given")
	}
	return nil
}
