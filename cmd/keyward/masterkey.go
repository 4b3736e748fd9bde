package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/keyward/keyward/seal"
)

// Master key files in the data directory, when KEYWARD_MASTER_KEY is not
// given: the key in use, the one an interrupted `keyward rekey` was moving
// to, and the one a finished rekey moved from (kept for backups made
// before it).
const (
	masterKeyFile     = "master.key"
	newMasterKeyFile  = "master.key.new"
	prevMasterKeyFile = "master.key.previous"
)

// masterKeys are the keys a server or a rekey works with.
type masterKeys struct {
	// keys are the master keys, the one to seal under first.
	keys [][]byte
	// dir is the data directory when the keys came from its files, "" when
	// from KEYWARD_MASTER_KEY.
	dir string
	// pending is master.key.new: the target of an interrupted rekey, which
	// opens secrets but seals none until the rekey is finished.
	pending []byte
}

// parseMasterKeys reads KEYWARD_MASTER_KEY: one key, or several separated
// by commas, the first sealing and all opening (while secrets are moved to
// a new key, every replica is given "NEW,OLD").
func parseMasterKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for _, part := range strings.Split(s, ",") {
		k, err := decodeMasterKey(part)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// loadMasterKeys returns the configured keys, or those of dir's files,
// generating master.key there when create is set and there is none.
func loadMasterKeys(cfg Config, rand io.Reader, create bool) (masterKeys, bool, error) {
	if cfg.MasterKey != "" {
		keys, err := parseMasterKeys(cfg.MasterKey)
		return masterKeys{keys: keys}, false, err
	}
	mk := masterKeys{dir: cfg.DataDir}
	path := filepath.Join(cfg.DataDir, masterKeyFile)
	next := filepath.Join(cfg.DataDir, newMasterKeyFile)
	// A rekey that stopped between its two renames committed already: its
	// new key is the key (never generate one over it).
	if !fileExists(path) && fileExists(next) {
		if err := os.Rename(next, path); err != nil {
			return mk, false, err
		}
		if err := syncDir(cfg.DataDir); err != nil {
			return mk, false, err
		}
	}
	k, err := readKeyFile(path)
	generated := false
	switch {
	case errors.Is(err, os.ErrNotExist) && create:
		k = make([]byte, seal.KeySize)
		if _, err := io.ReadFull(rand, k); err != nil {
			return mk, false, err
		}
		if err := writeFileSync(path, []byte(hex.EncodeToString(k)+"\n")); err != nil {
			return mk, false, err
		}
		generated = true
	case err != nil:
		return mk, false, err
	}
	mk.keys = [][]byte{k}
	if p, err := readKeyFile(filepath.Join(cfg.DataDir, newMasterKeyFile)); err == nil {
		mk.pending = p
	} else if !errors.Is(err, os.ErrNotExist) {
		return mk, false, err
	}
	if p, err := readKeyFile(filepath.Join(cfg.DataDir, prevMasterKeyFile)); err == nil {
		mk.keys = append(mk.keys, p)
	} else if !errors.Is(err, os.ErrNotExist) {
		return mk, false, err
	}
	return mk, generated, nil
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := decodeMasterKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// sealer returns a sealer of mk's keys; a pending key only opens.
func (mk masterKeys) sealer(rand io.Reader) (*seal.Sealer, error) {
	prev := mk.keys[1:]
	if mk.pending != nil {
		prev = append(append([][]byte{}, prev...), mk.pending)
	}
	return seal.New(mk.keys[0], rand, prev...)
}

// finishRekey completes, in the data directory, a rekey whose database
// transaction committed: master.key becomes master.key.previous and
// master.key.new becomes master.key, each rename durable before the next.
func finishRekey(dir string) error {
	cur, next, prev := filepath.Join(dir, masterKeyFile), filepath.Join(dir, newMasterKeyFile), filepath.Join(dir, prevMasterKeyFile)
	if err := os.Rename(cur, prev); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := os.Rename(next, cur); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// wrongKey explains ErrWrongMasterKey with where the key came from.
func (mk masterKeys) wrongKey() error {
	where := "KEYWARD_MASTER_KEY"
	if mk.dir != "" {
		where = filepath.Join(mk.dir, masterKeyFile)
	}
	return fmt.Errorf("the master key cannot decrypt the stored secrets (is %s the one this data was created with?)", where)
}
