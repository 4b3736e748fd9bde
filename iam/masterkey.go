package iam

import (
	"context"
	"errors"

	"github.com/keyward/keyward/seal"
)

// ErrWrongMasterKey means the master key given cannot open what the store
// holds: starting anyway would answer every key's request with a failure
// and seal new secrets under a key the store does not use.
var ErrWrongMasterKey = errors.New("keyward: the master key cannot decrypt the stored secrets")

var errStop = errors.New("stop")

// CheckMasterKey makes sure the sealer opens the store, before anything is
// served, and returns which of its keys opened the account's check value
// (0: the current one). A store made before check values were kept proves
// the key with any of its secrets, then gets a check value; a store with no
// secret at all can prove nothing and takes the key it is given.
func (s *Service) CheckMasterKey(ctx context.Context) (int, error) {
	a, err := s.Store.Account(ctx)
	if err != nil {
		return 0, err
	}
	if a.KeyCheck != nil {
		i, err := s.Sealer.OpenKeyCheck(a.KeyCheck)
		if err != nil {
			return 0, ErrWrongMasterKey
		}
		return i, nil
	}
	err = s.Store.SealedSecrets(ctx, func(id string, sealed []byte) error {
		if _, err := s.Sealer.Open(id, sealed); err != nil {
			return ErrWrongMasterKey
		}
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return 0, err
	}
	check, err := s.Sealer.SealKeyCheck()
	if err != nil {
		return 0, err
	}
	return 0, s.Store.SetKeyCheck(ctx, check)
}

// Rekey seals every secret of the store again under the sealer's current
// key, with a new check value, in one transaction: interrupted, it leaves
// the store under the old key; done, under the new one. It returns how
// many secrets it read. A secret that none of the sealer's keys opens stops
// it with ErrWrongMasterKey, and nothing changes.
func (s *Service) Rekey(ctx context.Context) (int, error) {
	check, err := s.Sealer.SealKeyCheck()
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.Store.Reseal(ctx, func(id string, sealed []byte) ([]byte, error) {
		n++
		out, err := s.Sealer.Reseal(id, sealed)
		if errors.Is(err, seal.ErrUnsealFailed) {
			return nil, ErrWrongMasterKey
		}
		return out, err
	}, check)
	if err != nil {
		return 0, err
	}
	return n, nil
}
