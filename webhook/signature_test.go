package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/webhook"
)

// The vector was computed independently of this package, with
//
//	printf '%s' '1767225600.{"specversion":"1.0","id":"evt-1"}' | openssl dgst -sha256 -hmac SECRET
//
// for each of the two secrets.
const (
	vectorBody    = `{"specversion":"1.0","id":"evt-1"}`
	vectorSecret1 = "whsec-test-secret-0001"
	vectorSecret2 = "whsec-test-secret-0002"
	vectorSig1    = "147ef6107ad6958156e660acb5c9444a765527532cf34fbdc5370a0afb7169fb"
	vectorSig2    = "667bc2e566989408e9be721c5e00c97f19b0ce5c126caf38b351e4beb114e1b2"
)

var vectorTime = time.Unix(1767225600, 0)

// TestSignVector: Sign produces exactly what openssl computes for the
// documented string t + "." + body, one v1 per secret in order.
func TestSignVector(t *testing.T) {
	got := webhook.Sign(vectorTime, []byte(vectorBody), []byte(vectorSecret1), []byte(vectorSecret2))
	want := "t=1767225600,v1=" + vectorSig1 + ",v1=" + vectorSig2
	if got != want {
		t.Fatalf("Sign = %s\nwant   %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(vectorBody)
	both := "t=1767225600,v1=" + vectorSig1 + ",v1=" + vectorSig2
	tests := []struct {
		name      string
		secret    string
		header    string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"valid", vectorSecret1, "t=1767225600,v1=" + vectorSig1, body, vectorTime, 0, nil},
		{"valid with spaces", vectorSecret1, "t=1767225600, v1=" + vectorSig1, body, vectorTime, 0, nil},
		{"rotation: the old secret", vectorSecret1, both, body, vectorTime, 0, nil},
		{"rotation: the new secret", vectorSecret2, both, body, vectorTime, 0, nil},
		{"unknown scheme ignored", vectorSecret1, "t=1767225600,v2=abc,v1=" + vectorSig1, body, vectorTime, 0, nil},
		{"upper-case hex", vectorSecret1, "t=1767225600,v1=" + strings.ToUpper(vectorSig1), body, vectorTime, 0, nil},
		{"within the default tolerance", vectorSecret1, "t=1767225600,v1=" + vectorSig1, body, vectorTime.Add(4 * time.Minute), 0, nil},
		{"clock slightly behind", vectorSecret1, "t=1767225600,v1=" + vectorSig1, body, vectorTime.Add(-4 * time.Minute), 0, nil},

		{"wrong secret", "whsec-test-secret-0003", both, body, vectorTime, 0, webhook.ErrSignatureMismatch},
		{"body altered", vectorSecret1, "t=1767225600,v1=" + vectorSig1, []byte(vectorBody + " "), vectorTime, 0, webhook.ErrSignatureMismatch},
		{"timestamp altered", vectorSecret1, "t=1767225601,v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureMismatch},
		{"replayed later", vectorSecret1, "t=1767225600,v1=" + vectorSig1, body, vectorTime.Add(5*time.Minute + time.Second), 0, webhook.ErrSignatureTimestamp},
		{"from the future", vectorSecret1, "t=1767225600,v1=" + vectorSig1, body, vectorTime.Add(-6 * time.Minute), 0, webhook.ErrSignatureTimestamp},
		{"tighter tolerance", vectorSecret1, "t=1767225600,v1=" + vectorSig1, body, vectorTime.Add(31 * time.Second), 30 * time.Second, webhook.ErrSignatureTimestamp},
		{"far past", vectorSecret1, "t=0,v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureTimestamp},
		{"far future", vectorSecret1, "t=999999999999,v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureTimestamp},

		{"empty", vectorSecret1, "", body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"no timestamp", vectorSecret1, "v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"no signature", vectorSecret1, "t=1767225600", body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"two timestamps", vectorSecret1, "t=1767225600,t=1767225600,v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"negative timestamp", vectorSecret1, "t=-1767225600,v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"timestamp with exponent", vectorSecret1, "t=1.7e9,v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"timestamp too long", vectorSecret1, "t=00000001767225600,v1=" + vectorSig1, body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"short signature", vectorSecret1, "t=1767225600,v1=" + vectorSig1[:62], body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"not hex", vectorSecret1, "t=1767225600,v1=" + strings.Repeat("z", 64), body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"no equals sign", vectorSecret1, "t=1767225600,v1", body, vectorTime, 0, webhook.ErrSignatureFormat},
		{"too long", vectorSecret1, "t=1767225600" + strings.Repeat(",v1="+vectorSig1, 70), body, vectorTime, 0, webhook.ErrSignatureFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify([]byte(tt.secret), tt.header, tt.body, tt.now, tt.tolerance)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if err := webhook.Verify(nil, "t=1767225600,v1="+vectorSig1, body, vectorTime, 0); err == nil {
		t.Fatal("Verify accepted an empty secret")
	}
}

// TestSignVerifyRoundTrip: whatever Sign writes, Verify accepts with each
// of the secrets and refuses with another.
func TestSignVerifyRoundTrip(t *testing.T) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"data":{"accountId":"123456789012"}}`)
	secrets := [][]byte{[]byte("current-secret-0123456789"), []byte("previous-secret-012345678")}
	h := webhook.Sign(now, body, secrets...)
	for _, s := range secrets {
		if err := webhook.Verify(s, h, body, now, time.Minute); err != nil {
			t.Errorf("secret %s: %v", s, err)
		}
	}
	if err := webhook.Verify([]byte("another-secret-0123456789"), h, body, now, time.Minute); !errors.Is(err, webhook.ErrSignatureMismatch) {
		t.Errorf("another secret: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1767225600,v1="+vectorSig1, []byte(vectorBody))
	f.Add("t=1,v1=00,v1=", []byte{})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := webhook.Verify([]byte(vectorSecret1), header, body, vectorTime, 0)
		if err == nil && (string(body) != vectorBody || !strings.Contains(strings.ToLower(header), vectorSig1)) {
			t.Fatalf("accepted %q for %q", header, body)
		}
	})
}
