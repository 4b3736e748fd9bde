package seal_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/keyward/keyward/seal"
)

func TestSealer(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := seal.New(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	sealed, err := s.Seal("AKIAIOSFODNN7EXAMPLE", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(secret)) {
		t.Fatal("sealed secret holds the plaintext")
	}
	got, err := s.Open("AKIAIOSFODNN7EXAMPLE", sealed)
	if err != nil || got != secret {
		t.Fatalf("open: %q, %v", got, err)
	}
	again, _ := s.Seal("AKIAIOSFODNN7EXAMPLE", secret)
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of one secret are equal: nonce reused")
	}
	t.Run("bound to the key ID", func(t *testing.T) {
		if _, err := s.Open("AKIAOTHERKEY00000000", sealed); !errors.Is(err, seal.ErrUnsealFailed) {
			t.Fatalf("opened under another key ID: %v", err)
		}
	})
	t.Run("wrong master key", func(t *testing.T) {
		other, _ := seal.New(bytes.Repeat([]byte{8}, 32), rand.Reader)
		if _, err := other.Open("AKIAIOSFODNN7EXAMPLE", sealed); !errors.Is(err, seal.ErrUnsealFailed) {
			t.Fatalf("opened with another master key: %v", err)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		bad := append([]byte{}, sealed...)
		bad[len(bad)-1] ^= 1
		if _, err := s.Open("AKIAIOSFODNN7EXAMPLE", bad); !errors.Is(err, seal.ErrUnsealFailed) {
			t.Fatalf("opened tampered data: %v", err)
		}
	})
	if _, err := seal.New(key[:16], rand.Reader); err == nil {
		t.Fatal("accepted a 16-byte master key")
	}
}

// TestBackupKey: the key that authenticates backups is derived from the
// master key under its own label (the values are Python's hmac module's),
// so it is not the master key, differs between master keys, and stays what
// it is: every backup made so far is authenticated under it.
func TestBackupKey(t *testing.T) {
	for _, c := range []struct{ master, want string }{
		{strings.Repeat("07", 32), "46e0cd0363787c0abe2f0c07b1963da02e9e5959572a8d8cee8da9ad283dcc09"},
		{strings.Repeat("ab", 32), "ef9b16ab0c5a82da705947cb4cefab46b5da02beb541ea5583a12ec126d03086"},
	} {
		master, err := hex.DecodeString(c.master)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(seal.BackupKey(master)); got != c.want {
			t.Errorf("the backup key of %s…: %s, want %s", c.master[:4], got, c.want)
		}
	}
}
