package seal_test

import (
	"bytes"
	"crypto/rand"
	"errors"
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
